"""Clients for the outside services the agents call."""
