"""Chronicle settings: one module, configured from the environment.

Development defaults are safe and need nothing set (SQLite file, DEBUG on).
Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (see .env.example).
"""

import datetime as dt
import json
import os
from pathlib import Path

import dj_database_url
import orjson
from django.core.exceptions import ImproperlyConfigured
from import_export.formats.base_formats import CSV, TSV, XLSX

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if not DEBUG else "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

DJANGO_APPS = [
    "config.admin_site.ChronicleAdminConfig",  # django.contrib.admin, with Chronicle's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "axes",
    "oauth2_provider",
    "csp",
]
LOCAL_APPS = [
    "places",
    "actors",
    "events",
    "explorer",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.request_limits.QueryStringLimitMiddleware",
    "config.routers.ReplicaReadsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a login refused for too many failures into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# oauth2_provider.W002 says the OAuth password grant is enabled: it is on purpose, as ACLED's token
# flow is that grant (OAUTH2_PROVIDER below).
SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W002"]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Curators save while the server reads; wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The events' covering indexes (INCLUDE columns, migration events 0011) are a PostgreSQL
    # speed-up; SQLite builds them on their key columns, which is all it needs.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# Statement timeouts of web requests (config/statement_timeout.py, docs/security.md "Limits"):
# every statement of a web process, and the bulk reads served over the web (exports, ACLED reads
# of every row, the admin import). Commands, Celery and tests set none. 0 turns a limit off.
STATEMENT_TIMEOUT_MS = int(os.environ.get("STATEMENT_TIMEOUT_MS", "15000"))
BULK_STATEMENT_TIMEOUT_MS = int(os.environ.get("BULK_STATEMENT_TIMEOUT_MS", "600000"))

if os.environ.get("DATABASE_REPLICA_URL"):
    # A streaming replica for API and export reads (config/routers.py); in tests it mirrors
    # the primary's test database.
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,  # a replica lost since the last request is noticed, not a 500
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    # An unreachable replica host fails over in seconds, not after TCP's minutes.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
# After a write, the writer's reads stay on the primary this long (read your own writes); a
# replica that failed to connect is left alone this long (config/routers.py).
REPLICA_STICKY_SECONDS = int(os.environ.get("REPLICA_STICKY_SECONDS", "15"))
REPLICA_RETRY_SECONDS = int(os.environ.get("REPLICA_RETRY_SECONDS", "5"))
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes, docs/security.md): the admin login and the API token endpoint
# (/api/v1/auth/token/) refuse a user name from an address after AXES_FAILURE_LIMIT failures for
# AXES_COOLOFF_TIME, even with the right password. Failures are rows in the database (every web node
# sees them); `manage.py axes_reset_username NAME` unlocks early.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "events.api.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.proxies.client_ip"
AXES_ENABLE_ADMIN = False  # no admin pages for the attempts: manage.py axes_list_attempts / axes_reset_*
# No "AXES: BEGIN version …" banner from every process (each manage.py command printed it, noise in
# scripts); failed logins and lockouts are logged either way.
AXES_VERBOSE = env_bool("AXES_VERBOSE", False)
# Proxies in front of gunicorn that append to X-Forwarded-For (0: REMOTE_ADDR is the client, and a
# client's own X-Forwarded-For is ignored, so it cannot pick a fresh address per attempt). The login
# lockout and the API throttles count the same address (config/proxies.py).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# ACLED's OAuth token flow for the ACLED-compatible API (django-oauth-toolkit; events/acled_api/oauth.py,
# docs/acled-compatibility.md): POST /oauth/token with the password grant for the public client
# "acled" (created after every migrate), the user's e-mail as `username`. Access tokens last 24 h; a
# refresh token rotates on use and lives 14 days (DOT counts its life from the access token's expiry,
# hence 13 days), and replaying a used one revokes the whole family. Tokens are stored hashed.
OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "events.acled_api.oauth.AcledOAuth2Validator",
    "OAUTH2_BACKEND_CLASS": "events.acled_api.oauth.AcledOAuthLibCore",
    "SCOPES": {"authenticated": "Read the ACLED-compatible API as your account"},  # ACLED's one scope
    "DEFAULT_SCOPES": ["authenticated"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 24 * 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 13 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # RFC 9700's safer behaviours, all but the password grant, which is ACLED's protocol.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,  # no access_token in query strings
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads for imports: large ACLED files go through the command line, not the browser.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Longer query strings answer 414 (config/request_limits.py); gunicorn's own limit is 4,094 bytes.
MAX_QUERY_STRING_BYTES = int(os.environ.get("MAX_QUERY_STRING_BYTES", 16 * 1024))

# Production hardening (manage.py check --deploy is clean with DEBUG=0).
# Only a proxy can say the client came over HTTPS, and it must overwrite a client's own
# X-Forwarded-Proto (docs/security.md); without a trusted proxy the header is ignored.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT > 0 else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, fonts and images from this site only (the
# API docs' Swagger UI and Redoc are served from it too), no inline script. Inline styles stay
# allowed: Redoc writes its styles at run time. The one hash is the inline handler of
# django-import-export's "Select all" box on the export screens.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-hashes'", "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    # Token first: an anonymous write then answers 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["events.api.permissions.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": ["core.api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # orjson (drf-orjson-renderer): the same JSON as DRF's JSONRenderer (compact, UTF-8, "Z" for
    # UTC) at a tenth of the cost, a millisecond of every 50-event page (docs/benchmarks.md).
    "DEFAULT_RENDERER_CLASSES": ["drf_orjson_renderer.renderers.ORJSONRenderer"],
    "ORJSON_RENDERER_OPTIONS": (orjson.OPT_UTC_Z, orjson.OPT_NON_STR_KEYS),
    # JSON nested too deep for Python's decoder is a 400 (events/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "events.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "events.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["events.api.permissions.AnonThrottle"],
    # AnonThrottle counts config.proxies.client_ip, like the login lockout; any other DRF throttle
    # agrees with it through NUM_PROXIES (unset, DRF would key on the client's X-Forwarded-For).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # "off" disables anonymous throttling (load tests); read per request, so tests can change it.
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("ANON_THROTTLE_RATE", "120/minute")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Chronicle API",
    "DESCRIPTION": (
        "Events of political violence and protest, their actors, places and sources. "
        "Guide with curl and pandas examples: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "events.api.schema.event_members_are_optional",
    ],
    "ENUM_NAME_OVERRIDES": {
        "InterCodeEnum": "core.vocab.InterCode",
        "PlaceKindEnum": "places.models.PlaceKind",
        "SourceKindEnum": "core.vocab.SourceKind",
        "ActorRoleEnum": "core.vocab.ActorRole",
        "StatusEnum": "core.vocab.Status",
        "RetractionReasonEnum": "core.vocab.RetractionReason",
    },
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Import screens need the model's add permission, export screens its view permission (without
# these, django-import-export lets every staff user in: a viewer could import actors and sources).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# The admin import screen (events/importers/upload.py): CSV, TSV and XLSX only (no YAML, whose alias
# bombs expand exponentially), files up to IMPORT_MAX_UPLOAD_BYTES, workbooks that unpack to at most
# IMPORT_MAX_UNPACKED_BYTES. Bigger files go through `manage.py import_acled`.
IMPORT_FORMATS = [CSV, TSV, XLSX]
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("IMPORT_MAX_UNPACKED_BYTES", 50 * 1024 * 1024))
# The admin exports the spreadsheet formats only, escaped like every export by the resources
# (events.resources.SpreadsheetResource); django-import-export's own escape drops a leading "=",
# altering the data, and turns numbers into text.
EXPORT_FORMATS = [CSV, TSV, XLSX]
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
# The admin import keeps the upload between preview and confirmation in Django's default
# storage, not a local temp folder another web node could not see. Uploads never
# confirmed are deleted after IMPORT_UPLOAD_MAX_AGE_HOURS (events/importers/upload.py).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "events.importers.upload.ImportUploadStorage"
IMPORT_UPLOAD_MAX_AGE_HOURS = float(os.environ.get("IMPORT_UPLOAD_MAX_AGE_HOURS", "24"))

# Simple history records who made each change through the request middleware;
# imports pass their user explicitly.
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False
# No index on history_date: history rows are read by their object's id and only then ordered by
# date (events.history, the admin's history pages); every import wrote the index for nothing.
SIMPLE_HISTORY_DATE_INDEX = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Background exports (config/celery.py, events/exports/jobs.py, docs/scaling.md). With a broker
# configured, XLSX reports, data packages and exports over EXPORT_INLINE_MAX_ROWS events run on a
# Celery worker (`make worker`); without one they run inline, so `make run` needs no Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or None
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or os.environ.get("REDIS_URL") or None
CELERY_TASK_IGNORE_RESULT = True  # an ExportJob row holds the state, progress and file
CELERY_TASK_ACKS_LATE = True  # a worker lost mid-export leaves the message for another one
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # exports are long: one at a time per worker process
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
EXPORTS_QUEUE = os.environ.get("EXPORTS_QUEUE", "exports")
EXPORT_INLINE_MAX_ROWS = int(os.environ.get("EXPORT_INLINE_MAX_ROWS", "100000"))
EXPORT_PROGRESS_EVERY = int(os.environ.get("EXPORT_PROGRESS_EVERY", "10000"))  # rows between saves
EXPORT_JOBS_MAX_ACTIVE = int(os.environ.get("EXPORT_JOBS_MAX_ACTIVE", "3"))  # queued or running, per user
# Export files go through Django's storage API, never a local path: the storage alias below
# (under STORAGES) is the local media directory by default and S3 or similar on several nodes
# (EXPORTS_STORAGE_BACKEND=storages.backends.s3.S3Storage, EXPORTS_STORAGE_OPTIONS='{"bucket_name": …}').
EXPORTS_STORAGE = os.environ.get("EXPORTS_STORAGE", "exports")
STORAGES["exports"] = {
    "BACKEND": os.environ.get("EXPORTS_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
    "OPTIONS": json.loads(os.environ.get("EXPORTS_STORAGE_OPTIONS", "{}")),
}
