"""The secured FastAPI service: OAuth2 password flow + JWT around FastAgency's adapter."""
