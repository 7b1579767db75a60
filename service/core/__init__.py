"""The pure core: article URLs, the outlet resolver, the ratings table and scoring (no Flask)."""
