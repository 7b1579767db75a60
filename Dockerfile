# Parallax in one container: the API (gunicorn, service/ops/gunicorn_conf.py) and the feed
# worker beside it (`parallax serve`), its store and state in the volume /var/lib/parallax.
#   docker build -t parallax . && docker run -p 8000:8000 -v parallax-data:/var/lib/parallax parallax
# Several hosts: deploy/compose.yaml (PostgreSQL, Redis, API hosts, workers, nginx).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md constraints.txt ./
COPY service ./service
COPY ratings ./ratings
# The locked versions (constraints.txt), as CI installs them.
RUN pip wheel --no-cache-dir --wheel-dir /wheels --constraint constraints.txt .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PARALLAX_DATA_DIR=/var/lib/parallax
RUN useradd --system --uid 10001 --home-dir /var/lib/parallax --create-home parallax
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels parallax && rm -rf /wheels
USER parallax
WORKDIR /var/lib/parallax
# The SQLite store, the shared rate-limit counts and imported rating overrides live here.
VOLUME ["/var/lib/parallax"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
# gunicorn's workers behind the worker class that gathers each request head before a thread
# takes it (slow clients cannot hold threads), /metrics pooled across workers, and the feed
# worker (set PARALLAX_INGEST_ENABLED=0 for an API-only host).
CMD ["parallax", "serve", "--host", "0.0.0.0", "--port", "8000"]
