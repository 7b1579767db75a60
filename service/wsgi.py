"""The WSGI entry point for gunicorn (`service.wsgi:app`): the only module-level app."""

from __future__ import annotations

from service.app import create_app

app = create_app()
