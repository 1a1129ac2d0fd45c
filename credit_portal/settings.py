"""Settings for the credit archive portal, read from the environment.

Two profiles:

* the embedded default (no ``DJANGO_ENV``): SQLite, Celery tasks run eagerly, keys
  generated once into the ignored ``.local/keys.json``, DEBUG on. This is what
  ``make run`` and ``make test`` use.
* production (``DJANGO_ENV=production``): PostgreSQL from ``DATABASE_URL``, Redis from
  ``REDIS_URL`` as Celery broker and cache, every secret required, secure cookies,
  HSTS and a strict Content-Security-Policy. ``manage.py check --deploy`` is clean.

``DATABASE_URL`` and ``REDIS_URL`` may also be set in the embedded profile (CI does
so to run the suite against the real servers).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from credit_portal.env import (
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    require_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"Environment variable DJANGO_ENV must be 'development' or 'production', got {DJANGO_ENV!r}."
    )
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production.")

LOCAL_DIR = Path(env_str("CREDIT_PORTAL_LOCAL_DIR", str(BASE_DIR / ".local")))


def _development_keys() -> dict[str, str]:
    """Keys for the embedded profile: generated once, kept in an ignored local file.

    Never used in production, where every key must come from the environment or a
    secrets file.
    """
    path = LOCAL_DIR / "keys.json"
    if not path.exists():
        LOCAL_DIR.mkdir(parents=True, exist_ok=True)
        keys = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": f"1:{secrets.token_hex(16)}",
            "BLIND_INDEX_KEY": secrets.token_hex(32),
            "PLATFORM_SIGNING_KEY": secrets.token_hex(32),
            "AUDIT_HMAC_KEY": secrets.token_hex(32),
        }
        # Written whole to a private temporary file, then linked into place: processes
        # that start together (test workers, runserver's reloader) never read a
        # half-written file, and the first link wins so all of them agree on one set.
        fd, tmp = tempfile.mkstemp(dir=LOCAL_DIR, prefix=".keys-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(keys, handle, indent=2)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"{path} (the embedded profile's keys, see CREDIT_PORTAL_LOCAL_DIR) cannot be read: {exc}. "
            "Restore it, or delete it to generate new keys (data encrypted with the old ones is then lost)."
        ) from None


if PRODUCTION:
    SECRET_KEY = require_secret("DJANGO_SECRET_KEY")
    FIELD_ENCRYPTION_KEYS = require_secret("FIELD_ENCRYPTION_KEYS")
    BLIND_INDEX_KEY = require_secret("BLIND_INDEX_KEY")
    PLATFORM_SIGNING_KEY = require_secret("PLATFORM_SIGNING_KEY")
    AUDIT_HMAC_KEY = require_secret("AUDIT_HMAC_KEY")
else:
    _dev_keys = _development_keys()
    SECRET_KEY = env_secret("DJANGO_SECRET_KEY") or _dev_keys["DJANGO_SECRET_KEY"]
    FIELD_ENCRYPTION_KEYS = env_secret("FIELD_ENCRYPTION_KEYS") or _dev_keys["FIELD_ENCRYPTION_KEYS"]
    BLIND_INDEX_KEY = env_secret("BLIND_INDEX_KEY") or _dev_keys["BLIND_INDEX_KEY"]
    PLATFORM_SIGNING_KEY = env_secret("PLATFORM_SIGNING_KEY") or _dev_keys["PLATFORM_SIGNING_KEY"]
    # A keys.json written before the audit key existed lacks it: derive one from that
    # file's own secret, the same in every process, rather than rewrite the file.
    AUDIT_HMAC_KEY = env_secret("AUDIT_HMAC_KEY") or _dev_keys.get("AUDIT_HMAC_KEY") or (
        hashlib.sha256(("audit-hmac|" + _dev_keys["DJANGO_SECRET_KEY"]).encode()).hexdigest()
    )

# The audit trail (credit_portal/audit/, docs/audit.md). AUDIT_HMAC_KEY ("1:<64 hex>,
# 2:<64 hex>", or one bare key as version 1) keys the HMAC-SM3 of every entry and anchor;
# it is held outside the database so that a database insider cannot rewrite entries unseen.
AUDIT_CHAIN_SECONDS = env_int("AUDIT_CHAIN_SECONDS", 5, minimum=1)
AUDIT_ANCHOR_MINUTES = env_int("AUDIT_ANCHOR_MINUTES", 60, minimum=1)
AUDIT_UNCHAINED_GRACE_MINUTES = env_int("AUDIT_UNCHAINED_GRACE_MINUTES", 10, minimum=1)
# Cybersecurity Law art. 21(3): network logs kept "不少于六个月"; 184 days covers any six months.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 184, minimum=184)
# The connection the retention purge deletes through: a login role that is a member of
# the database role credit_portal_audit_maintenance, which the application's role is not.
AUDIT_MAINTENANCE_DATABASE_URL = env_secret("AUDIT_MAINTENANCE_DATABASE_URL") or ""

# The key version new ciphertexts use; older versions stay listed to decrypt until
# `manage.py rotate_field_keys` has re-encrypted every row.
FIELD_ENCRYPTION_KEY_CURRENT = env_int("FIELD_ENCRYPTION_KEY_CURRENT", 0, minimum=0) or None

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Environment variable DJANGO_ALLOWED_HOSTS is required in production.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The deployment's region and level, shown in the UI (DESIGN §4): department names in
# the catalogue are stored without the level prefix.
PORTAL_REGION = env_str("PORTAL_REGION", "示范市")
PORTAL_LEVEL = env_str("PORTAL_LEVEL", "city")
if PORTAL_LEVEL not in {"city", "county", "province"}:
    raise ImproperlyConfigured(
        f"Environment variable PORTAL_LEVEL must be city, county or province, got {PORTAL_LEVEL!r}."
    )

INSTALLED_APPS = [
    "credit_portal.admin_site.PortalAdminConfig",  # django.contrib.admin with a query-string guard
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    # Hashed, shown-once API keys (disclosure.InstitutionAPIKey builds on its abstract model).
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "credit_portal",
    "departments",
    "archives",
    "archives.intake",
    "archives.listing",
    "archives.levels",
    "archives.units",
    "disclosure",
    "repair",
    "exchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "credit_portal.middleware.IdleSessionRefreshMiddleware",
    "credit_portal.replica.ReadYourWritesMiddleware",
    "credit_portal.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "departments.middleware.SessionAccessMiddleware",  # roles and memberships kept in the session
    "credit_portal.otp_device.SessionOTPMiddleware",  # django-otp's, the device read once per access version
    "credit_portal.middleware.ResolvedUserMiddleware",  # request.user without its two lazy wrappers
    "credit_portal.credentials.ForcedPasswordChangeMiddleware",
    "credit_portal.otp.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "credit_portal.middleware.SettingsCSPMiddleware",  # django-csp, the settings' headers built once
    "credit_portal.middleware.NoStoreForPersonalDataMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "credit_portal.urls"
WSGI_APPLICATION = "credit_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "credit_portal.context_processors.portal",
                "departments.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
# The URLs may carry passwords, so they too may come from a file (DATABASE_URL_FILE).
DATABASE_URL = env_secret("DATABASE_URL") or ""
if DATABASE_URL:
    try:
        # Persistent connections are checked before reuse, so a restarted PostgreSQL
        # costs one reconnect instead of a failed request.
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"Environment variable DATABASE_URL is malformed: {exc}") from None
    # The URL itself may hold a password, so the messages below never repeat it.
    if DATABASES["default"]["ENGINE"] not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured("Environment variable DATABASE_URL must use postgres:// (or sqlite:// outside production).")
    if not DATABASES["default"]["NAME"]:
        raise ImproperlyConfigured("Environment variable DATABASE_URL names no database (postgres://user@host:5432/NAME).")
elif PRODUCTION:
    raise ImproperlyConfigured("Environment variable DATABASE_URL is required in production.")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE transactions take the write lock at BEGIN, so two writers
                # serialize instead of one failing half-way (the audit chain relies on it).
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
if PRODUCTION and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")
# A streaming replica for reports, public lists and verification (credit_portal.replica):
# only views marked @reads_from_replica read there, and a client that has just written
# reads from the primary for DATABASE_REPLICA_STICKY_SECONDS.
DATABASE_REPLICA_URL = env_secret("DATABASE_REPLICA_URL") or ""
DATABASE_REPLICA_STICKY_SECONDS = env_int("DATABASE_REPLICA_STICKY_SECONDS", 10, minimum=1)
if DATABASE_REPLICA_URL:
    try:
        DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Environment variable DATABASE_REPLICA_URL is malformed: {exc}") from None
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("Environment variable DATABASE_REPLICA_URL must use postgres://.")
    # Tests read the replica through the test database of the primary.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["credit_portal.replica.ReplicaRouter"]
# The compiled statements (credit_portal.compiled) are prepared once per PostgreSQL
# connection (credit_portal.prepared). Off behind a pooler in transaction mode
# (pgbouncer), which does not keep a connection's prepared statements.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery -----------------------------------------------------------
REDIS_URL = env_secret("REDIS_URL") or ""
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("Environment variable REDIS_URL is required in production.")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "Environment variable REDIS_URL must start with redis://, rediss:// or unix://."
    )

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "credit_portal.cache.RedisCache",  # Django's, one client kept per pool
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "credit_portal",
        }
    }
else:
    # The embedded profile runs one process (runserver), so a local-memory cache,
    # whose incr() is atomic under its lock, counts rate limits correctly there.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "credit-portal",
        }
    }

# Seconds a person page keeps its rendered records in the cache (credit_portal.fragments);
# the key names the viewer and the records' versions, so this bounds only what no
# version captures (a catalogue name edited). 0 turns fragment caching off.
FRAGMENT_CACHE_SECONDS = env_int("FRAGMENT_CACHE_SECONDS", 300, minimum=0)

# The in-memory transport names its (notional) host so kombu does not warn on each connection.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost//"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Without Redis there is no beat: the web process runs the beat schedule itself
# (credit_portal.scheduler), so expiry, retention and reminders still run on schedule.
EMBEDDED_SCHEDULER = env_bool("EMBEDDED_SCHEDULER", default=not REDIS_URL and CELERY_TASK_ALWAYS_EAGER)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    # The soft limit raises inside the task so it can clean up; past the hard limit the
    # worker process is killed. A soft limit at or above the hard one never fires.
    raise ImproperlyConfigured(
        "Environment variable CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT."
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
if REDIS_URL.startswith("rediss://"):
    import ssl

    # TLS to Redis keeps certificate checks on.
    CELERY_BROKER_USE_SSL = {"ssl_cert_reqs": ssl.CERT_REQUIRED}

# --- Auth ---------------------------------------------------------------------------
AUTH_USER_MODEL = "credit_portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Citizens sign in with their mobile number, found through its blind index.
    "disclosure.auth.PhoneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "credit_portal.hashers.PBKDF2SM3PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("PASSWORD_HASHER_SM3", default=False):
    # Deployments that must pass the commercial-cryptography assessment (GB/T 39786)
    # hash new passwords with PBKDF2-HMAC-SM3; Argon2 hashes still verify and upgrade.
    PASSWORD_HASHERS.insert(0, PASSWORD_HASHERS.pop(1))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# After sign-in each role lands on its own start page (credit_portal.views.home_for).
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# Staff sign in with a second factor (TOTP). On by default in production; the
# embedded profile keeps it off so the demo accounts work without an authenticator app.
STAFF_OTP_REQUIRED = env_bool("STAFF_OTP_REQUIRED", default=PRODUCTION)
# django-otp's admin shows an authenticator's secret key and QR code to whoever may view
# devices (the security administrator): that would let them clone anyone's second
# factor, the auditor's included. Hidden; a new device is set up by its owner only.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# django-axes: failed log-ins counted in the database (atomic increments) and locked
# out after the limit, by account and by account + client IP, never by IP alone: a
# government office or a school behind one NAT address must not lose every account
# because one person mistyped. The key an account is counted under is its user name,
# or for a citizen's phone number the account's handle / a keyed digest
# (disclosure.auth.axes_username), so the attempt log holds no phone number. Behind a
# proxy the real client IP comes from the header the proxy sets.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username"], ["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "disclosure.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0, minimum=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
AXES_CLIENT_IP_CALLABLE = "credit_portal.http.client_ip"
AXES_VERBOSE = False

# Sessions expire after 30 minutes idle (DESIGN §8) and rotate at log-in (Django's
# login() cycles the key). Never under 20 minutes: MIIT's 适老化 rules ask that older
# people are not timed out while they type; pages with a form also keep the session
# alive while it is being filled in (static/js/portal.mjs, /session/keep-alive/).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=20) * 60
# Saved at most once a minute by IdleSessionRefreshMiddleware instead of on every
# request; the idle timeout is then between SESSION_IDLE_MINUTES - 1 and SESSION_IDLE_MINUTES.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
# With Redis (shared by every web host) sessions are read from the cache and written
# through to the database: a signed-in page makes no session query, and a session stays
# revocable server-side: sign-out deletes it from both, a password change or a
# deactivated account ends it through the user row read on every request. Signed
# cookies would not be: a copied cookie would stay valid until it expired. The
# local-memory cache of the embedded profile is per process, so there sessions stay in
# the database alone (one process's copy could outlive a sign-out made in another).
# credit_portal.sessions is Django's cached_db reading the content generations with the
# session, in one round trip.
SESSION_ENGINE = "credit_portal.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Internationalization -----------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Evidence lives outside the web root and is served only through a
        # permission-checked view (DESIGN §8); there is deliberately no MEDIA_URL route.
        "OPTIONS": {"location": env_str("PRIVATE_MEDIA_ROOT", str(LOCAL_DIR / "private-media"))},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Evidence on S3-compatible object storage (MinIO, Ceph RGW, a cloud's OSS) when
# OBJECT_STORAGE_BUCKET is set, so that several web hosts share the files; the
# filesystem above stays the embedded default. Objects are private (no ACL, signed URLs
# are never handed out: downloads still go through the permission-checked view).
OBJECT_STORAGE_BUCKET = env_str("OBJECT_STORAGE_BUCKET", "")
if OBJECT_STORAGE_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": OBJECT_STORAGE_BUCKET,
            "endpoint_url": env_str("OBJECT_STORAGE_ENDPOINT_URL", "") or None,
            "region_name": env_str("OBJECT_STORAGE_REGION", "") or None,
            "access_key": env_secret("OBJECT_STORAGE_ACCESS_KEY"),
            "secret_key": env_secret("OBJECT_STORAGE_SECRET_KEY"),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "addressing_style": "path",  # MinIO and most self-hosted endpoints
            "location": env_str("OBJECT_STORAGE_PREFIX", ""),
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- REST framework -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Institutions' systems: a key issued by the credit office (disclosure.api_keys).
        # First, so an unauthenticated request gets 401 with "WWW-Authenticate: Api-Key".
        "disclosure.api_keys.InstitutionKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON with a nesting limit (a RecursionError would be a 500), forms and uploads.
    "DEFAULT_PARSER_CLASSES": [
        "credit_portal.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "credit_portal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    # English: the msgids under which /api/docs/ shows these texts in Chinese.
    "TITLE": "Credit archive portal API",
    "DESCRIPTION": "Department systems and querying institutions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs describe the API, not anyone's data: readable without signing in.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security headers ---------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Notifications ------------------------------------------------------------------
# Text messages (credit_portal.notify): queued as rows, sent by a Celery task through
# SMS_BACKEND. Production sends through the HTTP gateway and refuses to start with a
# development stand-in; the development default writes messages to a file under .local/.
SMS_BACKEND = env_str(
    "SMS_BACKEND",
    "credit_portal.notify.HTTPGatewaySMSBackend" if PRODUCTION else "credit_portal.notify.FileSMSBackend",
)
# The one signature every message carries, in 【】.
SMS_SIGNATURE = env_str("SMS_SIGNATURE", "信用档案")
SMS_FILE_PATH = Path(env_str("SMS_FILE_PATH", str(LOCAL_DIR / "sms.log")))
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_ACCOUNT = env_str("SMS_GATEWAY_ACCOUNT", "")
SMS_GATEWAY_SECRET = env_secret("SMS_GATEWAY_SECRET") or ""
SMS_GATEWAY_TIMEOUT_SECONDS = env_int("SMS_GATEWAY_TIMEOUT_SECONDS", 10, minimum=1)
SMS_MAX_ATTEMPTS = env_int("SMS_MAX_ATTEMPTS", 12, minimum=1)
if PRODUCTION:
    if SMS_BACKEND in {"credit_portal.notify.FileSMSBackend", "credit_portal.notify.MemorySMSBackend"}:
        raise ImproperlyConfigured(
            f"SMS_BACKEND={SMS_BACKEND} is a development stand-in; production sends through "
            "credit_portal.notify.HTTPGatewaySMSBackend (set SMS_GATEWAY_URL and SMS_GATEWAY_SECRET)."
        )
    if SMS_BACKEND == "credit_portal.notify.HTTPGatewaySMSBackend":
        if not SMS_GATEWAY_URL.startswith("https://"):
            raise ImproperlyConfigured("Environment variable SMS_GATEWAY_URL (https://…) is required in production.")
        if len(SMS_GATEWAY_SECRET) < 16:
            raise ImproperlyConfigured(
                "Environment variable SMS_GATEWAY_SECRET (or SMS_GATEWAY_SECRET_FILE), at least 16 characters, "
                "is required in production."
            )
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)

# --- Logging ------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "credit_portal.logging.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
if EMBEDDED_SCHEDULER:
    # The in-process beat runs the outbox sender and the audit chainer every five seconds
    # as eager tasks, and Celery logs each success at INFO: two lines every five seconds
    # that would bury the server's own output. Failures are logged at ERROR and still show.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
