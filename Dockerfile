# syntax=docker/dockerfile:1
# Production image: gunicorn serving Django, whitenoise serving the static files.
# Needs at run time: SECRET_KEY (or SECRET_KEY_FILE), ALLOWED_HOSTS, DATABASE_URL.

FROM python:3.13-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
COPY pyproject.toml README.md ./
COPY interviewprep ./interviewprep
COPY questions ./questions
RUN pip install --no-cache-dir .
COPY . .
# collectstatic needs settings that import cleanly; these values exist only for this build step.
RUN DEBUG=0 SECRET_KEY=build-only ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --no-input

FROM python:3.13-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH="/opt/venv/bin:$PATH" \
    DEBUG=0 PORT=8000 WEB_CONCURRENCY=3
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=10001:10001 /app /app
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
# Migrations and the bank import run as a release step: docker run IMAGE python manage.py migrate
CMD ["sh", "-c", "exec gunicorn interviewprep.wsgi --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY} --access-logfile - --forwarded-allow-ips='*'"]
