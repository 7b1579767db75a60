"""Parallax: where the news you read comes from. The package's version; nothing else is imported."""

__version__ = "0.1.0"
