# Parallax API: multi-stage build, runs as a non-root user under gunicorn.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY service ./service
COPY ratings ./ratings
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PARALLAX_DATA_DIR=/var/lib/parallax GUNICORN_BIND=0.0.0.0:8000
RUN useradd --system --uid 10001 --home-dir /var/lib/parallax --create-home parallax
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER parallax
WORKDIR /var/lib/parallax
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["gunicorn", "--config", "python:service.ops.gunicorn_conf", "service.wsgi:app"]
