"""Operations: metrics, resilience, logging and the gunicorn configuration."""
