"""The web layer: thin Flask blueprints for the API and the pages, errors, auth, limits, headers."""
