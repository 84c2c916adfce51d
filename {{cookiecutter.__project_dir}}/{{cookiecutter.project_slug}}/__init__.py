"""An AG2 weather agent served by FastAgency; README.md describes the layout."""
