"""One module per screen: connect, catalog, create, jobs, creation."""
