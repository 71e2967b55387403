# One image runs every Aftercare process: web (the default command), Celery worker and
# Celery beat. docker-compose.yml picks the command and the health check for each, which
# is why this file sets no HEALTHCHECK: a web check would mark the worker unhealthy.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AFTERCARE_ENV=production

# WeasyPrint draws text through Pango and HarfBuzz and embeds only the glyphs it uses
# (HarfBuzz subsetting, far faster than the fontTools fallback). The slim image has no
# fonts at all, so DejaVu gives every PDF something to render with; the Noto families
# print the other scripts survivors write (Ethiopic, Arabic, Devanagari, Thai, Myanmar,
# CJK...), as cases/documents/fonts.conf orders them. Ghostscript (and its sRGB
# profile) makes a filing packet PDF/A-2b as a whole when that is chosen.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fonts-dejavu-core \
        fonts-noto-core \
        fonts-noto-cjk \
        ghostscript \
    && rm -rf /var/lib/apt/lists/*

# A fixed uid keeps one owner for files on named volumes across rebuilds. The home
# directory is writable for the caches that fontconfig and gunicorn keep there.
RUN groupadd --gid 10001 aftercare \
    && useradd --uid 10001 --gid aftercare --create-home --home-dir /home/aftercare \
        --shell /usr/sbin/nologin aftercare

WORKDIR /app

# Dependencies before the code, so that editing the code does not reinstall them.
# Only the runtime lock: test, lint and benchmark tools (requirements-dev.lock) never
# ship in the image.
COPY requirements.lock ./
RUN pip install --no-cache-dir --root-user-action=ignore -r requirements.lock

COPY . .

# Settings refuse to load in production without keys, hosts and a broker, and only
# production mode writes WhiteNoise's compressed, hashed files and their manifest. These
# throwaway values live in this one RUN's shell and are not ENV: they never reach a
# running container, which must be given its own keys at run time.
# The .mo files are git-ignored, so translations are compiled here from locale/*.po;
# --skip-checks because the system checks would open a database that does not exist.
RUN export AFTERCARE_ENV=production \
        SECRET_KEY=build-only \
        FIELD_ENCRYPTION_KEY="cQ3xVQbF1oYQxq3h9V9jq1K6m9CwQnq3eJk1o3X9xk8=" \
        BLIND_INDEX_KEY=build-only-blind-index-key-0123456789abcdef \
        ALLOWED_HOSTS=build \
        REDIS_URL=redis://build:6379/0 \
        AFTERCARE_BASE_URL=https://build.invalid \
    && python manage.py compile_translations --skip-checks \
    && python manage.py collectstatic --noinput

# Code and static files stay root-owned, so a compromised process cannot rewrite them.
# Only var/ (the beat schedule), var/media (uploads, generated documents) and
# var/evidence (encrypted evidence files and packets, when not on S3) belong to the app;
# a new named volume mounted on either copies this ownership.
RUN mkdir -p /app/var/media /app/var/evidence \
    && chown aftercare:aftercare /app/var /app/var/media /app/var/evidence

# Numeric, so that runtimes which enforce "run as non-root" can verify it.
USER 10001:10001

EXPOSE 8000

CMD ["gunicorn", "aftercare.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--timeout", "60", "--access-logfile", "-"]
