# The portal's image: gunicorn serves it (web), the same image runs the Celery worker
# and beat (docker-compose.yml). Production settings come from the environment and
# secrets files at run time; nothing secret is baked in.

# --- build: dependencies, compiled translations, collected static files ------------
FROM python:3.11-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext provides msgfmt for compilemessages; it stays in this stage only.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /app
# Online by default. On a closed network: `make wheelhouse` where PyPI is reachable, copy
# the repository with ./wheelhouse/ across, then `docker build --build-arg OFFLINE=1 .`
# installs from those wheels only (the glob copies nothing when there is no wheelhouse).
ARG OFFLINE=0
COPY requirements.txt wheelhouse* /tmp/wheels/
RUN if [ "$OFFLINE" = "1" ]; then \
        pip install --no-index --find-links /tmp/wheels -r /tmp/wheels/requirements.txt; \
    else \
        pip install -r /tmp/wheels/requirements.txt; \
    fi \
    && rm -rf /tmp/wheels

COPY . .
# Both steps load the embedded profile with production's static storage
# (credit_portal/settings_build.py): no production secret is needed or invented, and
# the throwaway keys the embedded profile generates are deleted in the same layer.
RUN export DJANGO_SETTINGS_MODULE=credit_portal.settings_build \
           CREDIT_PORTAL_LOCAL_DIR=/tmp/build-local \
           STATIC_ROOT=/app/staticfiles \
    && python manage.py compilemessages --ignore=.venv --verbosity 0 \
    && python manage.py collectstatic --no-input --verbosity 0 \
    && rm -rf /tmp/build-local \
    && python -m compileall -q /app

# --- runtime ------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_ENV=production \
    DJANGO_SETTINGS_MODULE=credit_portal.settings \
    STATIC_ROOT=/app/staticfiles \
    CREDIT_PORTAL_LOCAL_DIR=/data/local \
    PRIVATE_MEDIA_ROOT=/data/private-media

# An unprivileged user with a fixed id, so volume ownership is predictable.
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p /data/local /data/private-media \
    && chown -R portal:portal /data \
    && chmod 0700 /data/local /data/private-media

COPY --from=build /opt/venv /opt/venv
# The code stays owned by root: the portal user can read it but not change it.
COPY --from=build /app /app
WORKDIR /app

USER portal
EXPOSE 8000
VOLUME ["/data"]

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "docker/healthcheck.py"]

CMD ["gunicorn", "--config", "gunicorn.conf.py", "credit_portal.wsgi:application"]
