# Production image for Reseller Console: one image for web (gunicorn), worker and beat (celery).
# docker-compose.yml shows how the three are run; the default command is the web server.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=resellerconsole.settings.base

# gettext provides msgfmt for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Runtime requirements only (requirements-dev.txt stays out of the image); own layer so code edits reuse it.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Settings refuse to load without a secret key and allowed hosts when DEBUG is off, so these two
# commands get throwaway values on their own command line. They are deliberately not ENV: a value
# baked into the image would silently stand in for a missing secret at runtime. DJANGO_DEBUG stays
# unset (off), so collectstatic writes WhiteNoise's compressed, hashed manifest.
# The code stays owned by root (read-only for the app); var/ is the one place the app may write
# (SQLite and the filesystem broker, used only when no DATABASE_URL / broker URL is given).
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost python manage.py compilemessages \
    && DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost python manage.py collectstatic --no-input \
    && mkdir -p var \
    && chown app:app var

USER app

EXPOSE 8000

# 3 workers suit a small container (1-2 CPUs); the heartbeat files go to memory, not the image's disk.
# The logger class redacts invitation tokens and token=/key= values from the access log.
CMD ["gunicorn", "resellerconsole.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--workers", "3", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", \
     "--logger-class", "resellerconsole.gunicorn_logging.RedactingLogger"]
