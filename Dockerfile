# Questlog. `docker build .` builds the service (stage `runtime`); the stage `test`
# adds the test extras and runs the whole suite (see the `tests` service of
# docker-compose.yml).
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --create-home --uid 10001 questlog
WORKDIR /app
# The whole build context (.dockerignore keeps out .venv, .git and caches): the
# package lays out its own modules, and tests need contracts/ and pyproject.toml.
COPY . .
# Exact versions from constraints.txt, the same pins as tests and development.
RUN pip install -c constraints.txt .

FROM base AS test
RUN pip install -c constraints.txt ".[test]" \
    && chown -R questlog:questlog /app
# The suite writes beside itself (hypothesis' example database), hence /app is the user's here.
USER questlog
CMD ["python", "-m", "pytest", "-p", "no:cacheprovider"]

FROM base AS runtime
USER questlog
EXPOSE 8000
# No curl in the slim image: Python itself asks /api/v1/health (503 when MongoDB is down).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"]
CMD ["questlog", "serve", "--host", "0.0.0.0", "--port", "8000"]
