"""Aftercare settings, read from the environment (and a git-ignored .env).

AFTERCARE_ENV selects the mode:
- development (default): SQLite under var/, console email, an embedded Celery broker.
- test: as development, with fast password hashing and in-memory email.
- production: refuses to start without its keys and hosts; HTTPS everywhere.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from aftercare.env import (
    SettingError,
    env_bool,
    env_choice,
    env_database,
    env_decimal,
    env_email,
    env_int,
    env_list,
    env_secret,
    env_str,
    report_setting_errors_in_one_line,
)

report_setting_errors_in_one_line()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# Values already in the process environment win over the .env file.
environ.Env.read_env(BASE_DIR / ".env")

AFTERCARE_ENV = env_choice("AFTERCARE_ENV", "development", {"development", "test", "production"})
PRODUCTION = AFTERCARE_ENV == "production"
TESTING = AFTERCARE_ENV == "test"


def _required(name: str, value, hint: str):
    if not value:
        raise SettingError(f"{name} is not set. {hint}")
    return value


# In production a key comes from the deployment's secrets; `make env` writes throwaway
# local keys, which must never reach a server.
_KEY_HINT = (
    "Set it from the deployment's secret store (or name a file holding it in the same "
    "variable with _FILE added); never reuse a local key."
    if PRODUCTION
    else "Run `make env` to write local keys into .env, or set it in the environment."
)

# ---------------------------------------------------------------------------
# Secrets and keys
# ---------------------------------------------------------------------------
SECRET_KEY = _required("SECRET_KEY", env_secret("SECRET_KEY"), _KEY_HINT)

# Newest key first: it encrypts, every key in the list decrypts. The library wants
# a list, never a comma-separated string.
FIELD_ENCRYPTION_KEY = _required(
    "FIELD_ENCRYPTION_KEY", env_list("FIELD_ENCRYPTION_KEY"), _KEY_HINT
)
for _position, _key in enumerate(FIELD_ENCRYPTION_KEY, start=1):
    try:
        Fernet(_key)
    except ValueError as _exc:
        raise SettingError(
            f"FIELD_ENCRYPTION_KEY: key {_position} is not a url-safe base64 Fernet key "
            "(make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')"
        ) from _exc

# The keyed hash behind name search must never share a key with encryption:
# a leaked search key must not also unlock the data.
BLIND_INDEX_KEY = _required("BLIND_INDEX_KEY", env_secret("BLIND_INDEX_KEY"), _KEY_HINT)
if len(BLIND_INDEX_KEY) < 32:
    raise SettingError("BLIND_INDEX_KEY must be at least 32 characters long")
if BLIND_INDEX_KEY in FIELD_ENCRYPTION_KEY or BLIND_INDEX_KEY == SECRET_KEY:
    raise SettingError("BLIND_INDEX_KEY must differ from SECRET_KEY and every encryption key")

# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
# Off by default even locally: a debug page can show decrypted personal data.
DEBUG = env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise SettingError("DEBUG must be off when AFTERCARE_ENV=production")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION:
    _required("ALLOWED_HOSTS", ALLOWED_HOSTS, "List the public host names, comma-separated.")

# No django.contrib.admin: it would show every organization's records to a
# superuser. Organizations manage themselves in the application; operators use
# management commands.
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "guardian",
    "axes",
    "csp",
    "django_htmx",
    "encrypted_model_fields",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",  # country names in both languages (organization forms and pages)
    "aftercare",
    "survivors",
    "cases",
    "volunteers",
    "reports",
    "api",
    "webhooks",
    "evidence",
]

MIDDLEWARE = [
    # First: a call to the partner API never reads or sets a session or CSRF cookie.
    "api.middleware.NoCookiesOnApiMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Before the session clocks end a session: an autosave is answered in JSON.
    "aftercare.timeouts.AutosaveSignedOutMiddleware",
    "aftercare.middleware.SessionLifetimeMiddleware",
    "aftercare.middleware.RequireSecondFactorMiddleware",
    "aftercare.middleware.ActingOrganizationMiddleware",
    # Before any view (and the CSRF check in it) reads the body: 413 for one too large.
    "aftercare.uploads.RequestSizeLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "aftercare.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aftercare.urls"
WSGI_APPLICATION = "aftercare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aftercare.context_processors.acting_organization",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------
DATABASES = {
    "default": env_database("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'aftercare.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a real Celery worker process can share it in tests.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    # IMMEDIATE: a transaction takes the write lock when it starts, so the worker and the
    # web server queue behind each other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A PostgreSQL streaming replica of "default" for the reports' reads (aftercare/replica.py).
# In tests it mirrors the test database: Django creates nothing on it (it is read-only,
# and has the test database by replication) and connects to the standby's copy, which
# cannot see a test's uncommitted transaction; so tests read from the primary unless one
# turns DATABASE_REPLICA_READS on (tests/reports/test_replica.py).
if env_str("DATABASE_REPLICA_URL"):
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        raise SettingError("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL")
    DATABASES["replica"] = env_database("DATABASE_REPLICA_URL", default="")
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.sqlite3":
        raise SettingError("DATABASE_REPLICA_URL must be postgres://user@host:5433/name")
    DATABASES["replica"].update(
        CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
        CONN_HEALTH_CHECKS=True,
        TEST={"MIRROR": "default"},
    )
DATABASE_REPLICA_READS = "replica" in DATABASES and not TESTING
DATABASE_ROUTERS = ["aftercare.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Authentication, sessions, lockout
# ---------------------------------------------------------------------------
AUTH_USER_MODEL = "aftercare.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "account:login"

SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
AFTERCARE_SESSION_IDLE_MINUTES = env_int("AFTERCARE_SESSION_IDLE_MINUTES", 30, minimum=1)
AFTERCARE_SESSION_MAX_HOURS = env_int("AFTERCARE_SESSION_MAX_HOURS", 12, minimum=1)
# The cookie never outlives the absolute lifetime; the middleware enforces both limits.
SESSION_COOKIE_AGE = AFTERCARE_SESSION_MAX_HOURS * 3600
AFTERCARE_SUDO_MINUTES = env_int("AFTERCARE_SUDO_MINUTES", 10, minimum=1)
PASSWORD_RESET_TIMEOUT = 60 * 60

# Lock the (account, address) pair, never the account alone, and let every lock
# expire: an attacker must not be able to keep a colleague out for good.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("AFTERCARE_PROXY_COUNT", 0, minimum=0) or None

OTP_TOTP_ISSUER = "Aftercare"
OTP_TOTP_THROTTLE_FACTOR = 1

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# ---------------------------------------------------------------------------
# Internationalization
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date and time pickers need ISO values in every language (aftercare/formats/).
FORMAT_MODULE_PATH = ["aftercare.formats"]
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------
# Static files
# ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without DEBUG, runserver serves no static files: WhiteNoise does, from the finders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
MEDIA_ROOT = VAR_DIR / "media"

# ---------------------------------------------------------------------------
# Uploads (evidence files, certificates): held in memory up to the cap, never spooled
# to a temporary file; a body announced over it is refused unread (aftercare/uploads.py)
# ---------------------------------------------------------------------------
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_HANDLERS = ["aftercare.uploads.CappedMemoryUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
# Wall-clock seconds a web worker waits for a file to be checked and cleaned in its
# limited child process (also its CPU-time limit, rounded up).
UPLOAD_CLEAN_SECONDS = float(env_decimal("UPLOAD_CLEAN_SECONDS", "2.5", minimum="0.5"))

# Evidence files, encrypted before they reach the storage (evidence/storage.py). Local
# files under var/ by default; S3-compatible object storage when EVIDENCE_S3_BUCKET is set.
EVIDENCE_S3_BUCKET = env_str("EVIDENCE_S3_BUCKET", "")
if EVIDENCE_S3_BUCKET:
    STORAGES["evidence"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": EVIDENCE_S3_BUCKET,
            # Empty for AWS itself; the address of any other S3-compatible service.
            "endpoint_url": env_str("EVIDENCE_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("EVIDENCE_S3_REGION", "") or None,
            # Empty: boto3 finds credentials itself (instance role, AWS_* variables).
            "access_key": env_secret("EVIDENCE_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_secret("EVIDENCE_S3_SECRET_ACCESS_KEY", "") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,  # never a public address: files are served by us
        },
    }
else:
    STORAGES["evidence"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / ("evidence-test" if TESTING else "evidence"))},
    }

# ---------------------------------------------------------------------------
# Email
# ---------------------------------------------------------------------------
_email = env_email("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH")
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# Seconds a mail server may stay silent before a send fails (and is retried later).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Aftercare <no-reply@aftercare.example>")
if TESTING and env_str("EMAIL_BACKEND"):
    # Worker processes started by tests take their backend from here (a broken one, to
    # test failures; otherwise EMAIL_URL points them at an SMTP sink on 127.0.0.1).
    EMAIL_BACKEND = env_str("EMAIL_BACKEND")
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH")
# Links in emails and calendar entries point here.
AFTERCARE_BASE_URL = env_str("AFTERCARE_BASE_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
if PRODUCTION:
    _required(
        "AFTERCARE_BASE_URL",
        AFTERCARE_BASE_URL,
        "The address people open, e.g. https://aftercare.example (links in emails).",
    )
AFTERCARE_BASE_URL = AFTERCARE_BASE_URL.rstrip("/")

# ---------------------------------------------------------------------------
# Celery: Redis in production and CI, an embedded file-system broker locally
# ---------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if PRODUCTION:
    _required("REDIS_URL", REDIS_URL, "Production needs a Redis broker.")
CELERY_VISIBILITY_TIMEOUT = 3600
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # A Redis that goes away without closing the connection (a restarted host, a
        # dropped NAT entry) must not hang a publish or an acknowledgement for ever:
        # kombu's health checks then drop and rebuild the connection.
        "socket_timeout": 30,
        "socket_connect_timeout": 5,
        "socket_keepalive": True,
        "health_check_interval": 25,
    }
    # A restarted Redis (or one still loading its append-only file) is waited for,
    # however long it takes, and its errors restart the consumer instead of ending the
    # worker with "Unrecoverable error". What still ends it exits non-zero, and the
    # supervisor (docker-compose's restart policy) starts it again.
    CELERY_BROKER_CONNECTION_MAX_RETRIES = None
    CELERY_BROKER_CHANNEL_ERROR_RETRY = True
    # A task running when the connection drops finishes (a reminder email mid-send is
    # not cut off); its acknowledgement is lost, and the task's own idempotence covers
    # the redelivery. Explicit, because Celery 6 changes the default.
    CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
else:
    # Tests get their own folder: their messages must never reach the demo's worker.
    _broker_dir = VAR_DIR / ("broker-test" if TESTING else "broker")
    for _folder in ("queue", "processed", "control", "quarantine"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # Kombu's file-system transport, writing and claiming messages atomically.
    CELERY_BROKER_TRANSPORT = "aftercare.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "quarantine_folder": str(_broker_dir / "quarantine"),
        "polling_interval": 0.2,
        "store_processed": False,
    }
# A worker that holds no task while its queue fills, for this long, stops with a failure
# status for its supervisor to restart (aftercare/watchdog.py); 0 turns the watch off.
WORKER_STALL_SECONDS = env_int("WORKER_STALL_SECONDS", 120, minimum=0)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Makes the schedule file's folder and records a heartbeat every tick (aftercare/health.py),
# at least once a minute.
CELERY_BEAT_SCHEDULER = "aftercare.celery:Scheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 60
CELERY_BEAT_SCHEDULE = {
    "verify-audit-chain": {"task": "aftercare.tasks.audit_chain_verify_task", "schedule": 6 * 3600},
    "clear-expired-sessions": {"task": "aftercare.tasks.sessions_clear", "schedule": 3600},
    "refresh-minor-flags": {"task": "survivors.tasks.minor_flags_refresh", "schedule": 6 * 3600},
    "apply-retention": {"task": "survivors.tasks.retention_apply_task", "schedule": 24 * 3600},
    "expire-intake-drafts": {"task": "survivors.tasks.drafts_expire_task", "schedule": 3600},
    # At second 0 of every minute: a reminder due at 08:00 is claimed at 08:00, not 08:00:59.
    "dispatch-reminders": {"task": "cases.tasks.reminders_dispatch_task", "schedule": crontab()},
    # Every minute: lost or killed deliveries are picked up again within two minutes.
    "sweep-deliveries": {"task": "cases.tasks.deliveries_sweep_task", "schedule": 60},
    "remind-debriefs": {"task": "volunteers.tasks.debriefs_remind_task", "schedule": 3600},
    # Retried API requests are answered from these for two days (api/idempotency.py).
    "forget-api-idempotency-keys": {
        "task": "api.tasks.idempotency_keys_forget_task",
        "schedule": 3600,
    },
    # Every minute: webhook retries whose time has come, and attempts of dead workers.
    "sweep-webhooks": {"task": "webhooks.tasks.webhooks_sweep_task", "schedule": 60},
    # Just after midnight: consents to reporting that lapsed stop counting (reports/tasks.py).
    "report-consents-expired": {
        "task": "reports.tasks.aggregates_consents_expired_task",
        "schedule": crontab(minute=5, hour=0),
    },
}
# Webhooks (webhooks/addresses.py): plain HTTP and this machine's own addresses only for
# tests and local trials; private networks only where partners' systems live there;
# link-local addresses (cloud metadata) never.
WEBHOOKS_ALLOW_LOOPBACK = env_bool("WEBHOOKS_ALLOW_LOOPBACK", not PRODUCTION)
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", False)
# Seconds to connect to a webhook endpoint, and to wait for its answer.
WEBHOOKS_CONNECT_TIMEOUT = env_int("WEBHOOKS_CONNECT_TIMEOUT", 5, minimum=1)
WEBHOOKS_READ_TIMEOUT = env_int("WEBHOOKS_READ_TIMEOUT", 10, minimum=1)
# Days after its last change that an unfinished intake draft is erased; its author is
# warned a week before (or half the period, when shorter).
INTAKE_DRAFT_EXPIRY_DAYS = env_int("INTAKE_DRAFT_EXPIRY_DAYS", 30, minimum=2)
# Days on a trauma-heavy matter after which a volunteer is reminded to debrief.
VOLUNTEER_DEBRIEF_AFTER_DAYS = env_int("VOLUNTEER_DEBRIEF_AFTER_DAYS", 30, minimum=1)
# Reports count people, never list them: a count below this is shown as "fewer than N".
# Below 5 a count can point at a person, so a smaller value refuses to start.
REPORT_SMALL_CELL_THRESHOLD = env_int("REPORT_SMALL_CELL_THRESHOLD", 11, minimum=5)
# What an hour of volunteer work is worth in the reports, in US dollars (Independent
# Sector's 2024 national value of volunteer time); the reports page may use another.
REPORT_VOLUNTEER_HOUR_VALUE = env_decimal("REPORT_VOLUNTEER_HOUR_VALUE", "34.79", minimum="0")

# ---------------------------------------------------------------------------
# Partner API (api/): keys, not sessions; throttled per client on the cache below
# ---------------------------------------------------------------------------
# Requests one API client may make, as DRF writes a rate: "600/min", "20/second".
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/min")
if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", API_RATE_LIMIT):
    raise SettingError(f"API_RATE_LIMIT must look like 600/min, not {API_RATE_LIMIT!r}")
# Days a new API key lives unless its admin picks another expiry (at most a year).
API_KEY_DAYS = env_int("API_KEY_DAYS", 90, minimum=1)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.NewestFirstCursor",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Aftercare partner API",
    "DESCRIPTION": (
        "Referrals in, their status back; survivors as your organization may see them; "
        "matters, deadlines and documents for your staff. Authenticate with "
        "`Authorization: Bearer <key>`; every POST takes an `Idempotency-Key` header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "survivors.models.Referral.Status",
        "DeadlineStatusEnum": "cases.models.Deadline.Status",
        "SurvivorStatusEnum": "survivors.models.Survivor.Status",
        "ReferralPurposeEnum": "survivors.models.Purpose",
    },
}

# ---------------------------------------------------------------------------
# Caches
# ---------------------------------------------------------------------------
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if PRODUCTION
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# ---------------------------------------------------------------------------
# Security headers
# ---------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "aftercare.views.csrf_failure"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Never show a local variable on an error page: it may hold decrypted data.
DEFAULT_EXCEPTION_REPORTER_FILTER = "aftercare.errors.NoLocalsExceptionReporterFilter"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The container health probe talks plain HTTP on the loopback; it shows no data.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("AFTERCARE_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Where the quick-exit control sends the browser: a neutral, everyday site.
AFTERCARE_QUICK_EXIT_URL = env_str(
    "AFTERCARE_QUICK_EXIT_URL", "https://www.google.com/search?q=weather"
)

# ---------------------------------------------------------------------------
# Logging: no request bodies, no personal data; records go to stderr.
# ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
