"""Ingest: feeds, page fetching and page metadata, and the JSON-lines article reader (no Flask)."""
