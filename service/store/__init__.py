"""The coverage store: one SQL store with SQLite and PostgreSQL dialects (no Flask)."""
