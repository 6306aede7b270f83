"""Settings shared by every environment; each value that differs per deployment comes from the environment."""

import contextlib
import json
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent  # src/yiwang
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("YIWANG_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


def env_json(name: str, default: dict) -> dict:
    """A JSON object from the environment (storage options); a clear error when it is not one."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a JSON object: {exc}") from exc
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object")
    return value


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Absolute address of the public portal; QR codes on printed guides point here.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "axes",
    "oauth2_provider",
    "mozilla_django_oidc",
    "csp",
    "yiwang.core",
    "yiwang.orgs",
    "yiwang.identity",
    "yiwang.calendar",
    "yiwang.cases",
    "yiwang.catalog",
    "yiwang.licenses",
    "yiwang.exchange",
    "yiwang.hotline",
    "yiwang.halls",
    "yiwang.bundles",
    "yiwang.rules",
    "yiwang.ratings",
    "yiwang.supervision",
    "yiwang.policies",
    "yiwang.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer (core.csp, settings below).
    "yiwang.core.csp.PolicyMiddleware",
    # The client's address (core.clientip, PROXY_COUNT) on every log line of the request.
    "yiwang.core.clientip.ClientAddressMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Which reads may go to the read replica, and the short pin to the primary after a write (core.replica).
    "yiwang.core.replica.ReplicaMiddleware",
    # Every error under /api/ in the API's one shape, whichever layer answered (resolver 404, 405, 500 …).
    "yiwang.core.api_errors.ApiErrorShapeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yiwang.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # NUL and lone UTF-16 surrogates in a path, query string or form field are refused before any view runs.
    "yiwang.core.text.TextCheckMiddleware",
    # Idle and absolute session limits (SESSION_COOKIE_AGE, SESSION_MAX_AGE): an expired session is signed out.
    "yiwang.identity.middleware.SessionLifetimeMiddleware",
    # Under /api/, an Authorization header that is not a live token is 401, and a live one is never mixed with the
    # session cookie (identity.api_security).
    "yiwang.identity.api_security.BearerOnlyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# A strict Content-Security-Policy (django-csp; issue 17): scripts, styles, fonts and frames from this origin only,
# no inline script or style attribute (a nonce where a template truly needs an inline block, hashes for two blocks
# rendered without a request: core.csp), no plugins, and no page of ours inside another site's frame.
# CSP_EXTRA_SOURCES adds origins (e.g. an object-storage host serving images) to img-src and connect-src.
_CSP_EXTRA = env_list("CSP_EXTRA_SOURCES")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:", "blob:", *_CSP_EXTRA],
        "font-src": ["'self'"],
        "connect-src": ["'self'", *_CSP_EXTRA],
        "media-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "frame-src": ["'self'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"

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
                "django.template.context_processors.i18n",
                "yiwang.core.context_processors.site",
                # {{ CSP_NONCE }} for the rare template that needs an inline block (creating it adds it to the header).
                "csp.context_processors.nonce",
                "yiwang.calendar.context_processors.calendar_warning",
                "yiwang.cases.context_processors.unread_messages",
                # The workbench navigation of a staff member's roles (identity.navigation, the one place).
                "yiwang.identity.navigation.staff_nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'yiwang.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# SQLite: how long a connection waits for another process's write to finish before "database is locked".
SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "20"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web and worker processes read while one writes; the busy timeout comes first so that even the
    # journal-mode statement waits for a busy database. Every transaction starts IMMEDIATE (takes the write lock at
    # BEGIN, where waiting works) instead of failing when a reader later tries to write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT * 1000)}; PRAGMA journal_mode=WAL; "
                "PRAGMA synchronous=NORMAL;"
            ),
            "timeout": SQLITE_BUSY_TIMEOUT,
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if DATABASES["default"]["NAME"] and DATABASES["default"]["NAME"] != ":memory:":
        # A fresh checkout has no var/ yet; SQLite creates the file but not its directory.
        with contextlib.suppress(OSError):
            Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

# A streaming replica for read-only work (core.replica): dashboards, statistics, search, public verification. A
# person who has just written keeps reading from the primary for REPLICA_PIN_SECONDS. Tests mirror it to default.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["yiwang.core.replica.Router"]
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "10"))

if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # A database that does not answer is a quick, retryable error (503), never a hung request.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
    )
# Seconds a client is asked to wait (Retry-After) when the database is away for a moment.
UNAVAILABLE_RETRY_AFTER = int(os.environ.get("UNAVAILABLE_RETRY_AFTER", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2id first; older hashes are upgraded on the next successful sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTHENTICATION_BACKENDS = [
    # Counts failures and refuses sign-in while an account or address is locked out.
    "axes.backends.AxesStandaloneBackend",
    # Account name, ID number, mobile number or credit code, with a password.
    "yiwang.identity.backends.IdentifierBackend",
    # Mobile number and SMS code.
    "yiwang.identity.backends_otp.OneTimeCodeBackend",
    # The provincial unified identity platform (OpenID Connect); inactive unless OIDC_ENABLED.
    "yiwang.identity.oidc.ProvincialOIDCBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Let the app itself serve MEDIA_ROOT at /media/ (normally the reverse proxy or the object storage does).
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)
# Largest file per use of the one upload check (core.uploads): attached to a case (application, correction,
# opinion), kept in My Space, and imported as licenses.
CASE_UPLOAD_MAX_BYTES = int(os.environ.get("CASE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
SPACE_UPLOAD_MAX_BYTES = int(os.environ.get("SPACE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
LICENSE_IMPORT_MAX_BYTES = int(os.environ.get("LICENSE_IMPORT_MAX_BYTES", 200 * 1024 * 1024))

# Applicants' files (materials, drafts, corrections, attachments, My Space): never under MEDIA_ROOT (core.storage).
PRIVATE_ROOT = Path(os.environ.get("PRIVATE_ROOT", VAR_DIR / "private"))

# Public uploaded files ("default": blank forms, samples) and applicants' files ("private"): local disk by default;
# any Django storage class (e.g. django-storages' S3Storage for S3-compatible object storage, a private bucket with
# signed short-lived URLs for "private") with its options as JSON. See docs/configuration.md.
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env_json("STORAGE_OPTIONS", {}),
    },
    "private": {
        "BACKEND": os.environ.get("PRIVATE_STORAGE_BACKEND", "yiwang.core.storage.PrivateFileSystemStorage"),
        "OPTIONS": env_json("PRIVATE_STORAGE_OPTIONS", {}),
    },
    "staticfiles": {"BACKEND": "yiwang.core.staticfiles.CompressedManifestStorage"},
}

# collectstatic writes gzip and brotli copies for WhiteNoise; source maps (megabytes, fetched only by developer
# tools) are left uncompressed, which keeps collectstatic to seconds instead of minutes.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

LOGIN_URL = "identity:sign_in"
LOGIN_REDIRECT_URL = "identity:my_space"
LOGOUT_REDIRECT_URL = "/"

# Sessions: a signed-in page stays open 30 minutes after the last request (sliding), at most 12 hours in all.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_MAX_AGE = int(os.environ.get("SESSION_MAX_SECONDS", str(12 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# The client's address (core.clientip): the peer's address, or with PROXY_COUNT reverse proxies in front, the
# PROXY_COUNT-th address from the right of X-Forwarded-For. Every limit, lockout, record and log line uses it.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

# Guessing: 5 wrong passwords lock that account from that address for 15 minutes (django-axes). The account, not
# the identifier's spelling: any identifier of the account (name, mobile, ID number, credit code, spaced or
# full-width) counts against it (identity.backends.lockout_username).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_MINUTES", "15")) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "identity/locked_out.html"
AXES_USERNAME_CALLABLE = "yiwang.identity.backends.lockout_username"
AXES_CLIENT_IP_CALLABLE = "yiwang.core.clientip.client_ip"
AXES_VERBOSE = False
# django-ratelimit counts in the "ratelimit" cache: counters in the database, one statement per check
# (yiwang.core.counters), shared by every process. A deployment with its own cache (Redis, memcached) may define it
# in CACHES and name it here.
RATELIMIT_USE_CACHE = os.environ.get("RATELIMIT_USE_CACHE", "ratelimit")
# Every limit keyed on the client address counts the same address (core.clientip), the built-in "ip" key too.
RATELIMIT_IP_META_KEY = "yiwang.core.clientip.ratelimit_ip"
RATELIMIT_VIEW = "yiwang.identity.views.rate_limited"

# Personal data at rest (identity.crypto): SM4 keys "kid:base64,kid:base64" (first encrypts) and the lookup hash key.
PII_KEYS = os.environ.get("PII_KEYS", "")
PII_HASH_KEY = os.environ.get("PII_HASH_KEY", "")

# Integration points are plugin slots (docs/plugins.md): a *_PROVIDER setting names the provider by key (older
# dotted class paths still work) and a *_OPTIONS setting holds its options as a JSON object; `yiwang check`
# reports an unknown key or a bad option at start-up.

# E-license signing keys (licenses.keys): private SM2 keys as passphrase-encrypted PEM files outside the database.
# Without a passphrase a development one is derived from SECRET_KEY; the deploy check refuses that in production.
LICENSE_KEYSTORE = os.environ.get("LICENSE_KEYSTORE", "file")
LICENSE_KEYSTORE_OPTIONS = env_json("LICENSE_KEYSTORE_OPTIONS", {})
LICENSE_KEYSTORE_DIR = Path(os.environ.get("LICENSE_KEYSTORE_DIR", VAR_DIR / "keystore"))
LICENSE_KEYSTORE_PASSPHRASE = os.environ.get("LICENSE_KEYSTORE_PASSPHRASE", "")

# SMS and email senders (identity.providers): SMS to the log ("log"), email through Django's EMAIL_BACKEND.
SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "log")
SMS_PROVIDER_OPTIONS = env_json("SMS_PROVIDER_OPTIONS", {})
EMAIL_PROVIDER = os.environ.get("EMAIL_PROVIDER", "django")
EMAIL_PROVIDER_OPTIONS = env_json("EMAIL_PROVIDER_OPTIONS", {})
# Population and legal-person library lookups (identity.lookups): the platform's own tables ("local"), or a
# provincial library service ("http" with {"url", "token", "timeout"}).
LIBRARY_PROVIDER = os.environ.get("LIBRARY_PROVIDER", "local")
LIBRARY_PROVIDER_OPTIONS = env_json("LIBRARY_PROVIDER_OPTIONS", {})
# Real-name verification (identity.verification): the embedded default checks the libraries, and a window clerk.
VERIFICATION_PROVIDERS = env_list("VERIFICATION_PROVIDERS", "library,counter")
VERIFICATION_PROVIDER_OPTIONS = env_json("VERIFICATION_PROVIDER_OPTIONS", {})
# A city's face / bank-card verification service ("http" in VERIFICATION_PROVIDERS); these older settings are its
# options unless VERIFICATION_PROVIDER_OPTIONS["http"] gives them.
VERIFICATION_HTTP_URL = os.environ.get("VERIFICATION_HTTP_URL", "")
VERIFICATION_HTTP_TOKEN = os.environ.get("VERIFICATION_HTTP_TOKEN", "")
VERIFICATION_HTTP_METHODS = env_list("VERIFICATION_HTTP_METHODS", "face,bank_card")
VERIFICATION_HTTP_TIMEOUT = float(os.environ.get("VERIFICATION_HTTP_TIMEOUT", "10"))

# Sign-in through the provincial unified identity platform (OpenID Connect); off until a client id is set.
# OIDC_PROVIDER: "off" or "oidc" (empty: "oidc" when OIDC_ENABLED); the options are the OIDC_* settings below.
OIDC_PROVIDER = os.environ.get("OIDC_PROVIDER", "")
OIDC_ENABLED = bool(os.environ.get("OIDC_RP_CLIENT_ID"))
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_OP_LOGOUT_ENDPOINT = os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_OP_DISPLAY_NAME = os.environ.get("OIDC_OP_DISPLAY_NAME", "")
# Which claims carry the verified ID number / credit code and the real-name level the platform vouches for.
OIDC_CLAIM_ID_NUMBER = os.environ.get("OIDC_CLAIM_ID_NUMBER", "id_number")
OIDC_CLAIM_CREDIT_CODE = os.environ.get("OIDC_CLAIM_CREDIT_CODE", "credit_code")
OIDC_CLAIM_ENTERPRISE_NAME = os.environ.get("OIDC_CLAIM_ENTERPRISE_NAME", "enterprise_name")
OIDC_CLAIM_NAME = os.environ.get("OIDC_CLAIM_NAME", "name")
OIDC_TRUSTED_LEVEL = int(os.environ.get("OIDC_TRUSTED_LEVEL", "2"))
OIDC_CREATE_USER = True
OIDC_STORE_ID_TOKEN = False

# Machine clients: OAuth2 client credentials (django-oauth-toolkit); tokens last an hour, scopes per API.
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("API_TOKEN_SECONDS", "3600")),
    "SCOPES_BACKEND_CLASS": "yiwang.identity.scopes.ScopesBackend",
    "OAUTH2_VALIDATOR_CLASS": "yiwang.identity.clients.ClientValidator",
    "PKCE_REQUIRED": True,
    # RFC 9700 (OAuth 2.0 Security BCP): no implicit or password grants, S256 PKCE only, tokens never in URLs.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# Named so migrations can point at the (swappable) OAuth2 application model.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "yiwang_cache"},
    "ratelimit": {"BACKEND": "yiwang.core.counters.CounterCache"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "yiwang.core.clientip.ClientAddressFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(client_ip)s] %(message)s",
        }
    },
    # ID numbers and mobile numbers are masked in every record before any handler writes it; the client's address
    # (core.clientip) is added to it.
    "filters": {
        "mask_pii": {"()": "yiwang.identity.logfilter.MaskPersonalData"},
        "client_ip": {"()": "yiwang.core.clientip.ClientAddressFilter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_pii", "client_ip"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs a dozen INFO progress lines per PDF guide; keep its warnings only.
    "loggers": {"jieba": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"}},
}

# Largest upload accepted in one request (catalog import files included).
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

NINJA_PAGINATION_PER_PAGE = 20

# Catalog import (catalog.io.limits): a file over any cap is refused before it can take a worker's memory or time.
CATALOG_IMPORT_MAX_BYTES = int(os.environ.get("CATALOG_IMPORT_MAX_BYTES", 100 * 1024 * 1024))
CATALOG_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("CATALOG_IMPORT_MAX_UNPACKED_BYTES", 400 * 1024 * 1024))
CATALOG_IMPORT_MAX_RATIO = int(os.environ.get("CATALOG_IMPORT_MAX_RATIO", "100"))
CATALOG_IMPORT_MAX_ROWS = int(os.environ.get("CATALOG_IMPORT_MAX_ROWS", "300000"))
CATALOG_IMPORT_MAX_ITEMS = int(os.environ.get("CATALOG_IMPORT_MAX_ITEMS", "60000"))
CATALOG_IMPORT_MAX_COLUMNS = int(os.environ.get("CATALOG_IMPORT_MAX_COLUMNS", "100"))
CATALOG_IMPORT_MAX_CELL_CHARS = int(os.environ.get("CATALOG_IMPORT_MAX_CELL_CHARS", "32767"))
# Files that read to more than this (xlsx unpacked, JSON as sent) are imported by the worker, not in the request.
CATALOG_IMPORT_SYNC_MAX_BYTES = int(os.environ.get("CATALOG_IMPORT_SYNC_MAX_BYTES", 1024 * 1024))
# Items written per transaction: a long import lets other writers in between batches.
CATALOG_IMPORT_BATCH_ITEMS = int(os.environ.get("CATALOG_IMPORT_BATCH_ITEMS", "500"))
# An export asked for the first time is written in the request up to this many items, else by the worker.
CATALOG_EXPORT_INLINE_ITEMS = int(os.environ.get("CATALOG_EXPORT_INLINE_ITEMS", "2000"))
# Anonymous downloads of the catalog export per client address (django-ratelimit rate, e.g. "10/m").
CATALOG_EXPORT_ANON_RATE = os.environ.get("CATALOG_EXPORT_ANON_RATE", "10/m")

# Work lists turn yellow when this share of a limit is used (and red when it is past).
CASE_WARNING_FRACTION = float(os.environ.get("CASE_WARNING_FRACTION", "0.8"))
# Webhooks go to https:// receivers only; allow http:// on a closed network (tests, a government intranet).
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", False)
# How case events reach department systems (exchange.connectors): the signed webhook by default.
DEPARTMENT_CONNECTOR = os.environ.get("DEPARTMENT_CONNECTOR", "webhook")
DEPARTMENT_CONNECTOR_OPTIONS = env_json("DEPARTMENT_CONNECTOR_OPTIONS", {})

# The transactional outbox (core.outbox, docs/outbox.md): the task workers hand events to the subscribers.
# OUTBOX_DISPATCH_ON_COMMIT also hands them over in the process that committed them, right after the commit (tests;
# a single-process setup without a worker); the worker remains the guarantee.
OUTBOX_DISPATCH_ON_COMMIT = env_bool("OUTBOX_DISPATCH_ON_COMMIT", False)
OUTBOX_POLL_SECONDS = float(os.environ.get("OUTBOX_POLL_SECONDS", "0.5"))
OUTBOX_BATCH = int(os.environ.get("OUTBOX_BATCH", "200"))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "12"))
OUTBOX_KEEP_DAYS = float(os.environ.get("OUTBOX_KEEP_DAYS", "7"))
# A task whose worker stopped beating for TASK_LEASE_SECONDS goes back in the queue (a worker killed mid-task);
# after TASK_MAX_RUNS such runs it is failed. Tasks claimed by a worker without a heartbeat: TASK_ORPHAN_SECONDS.
TASK_LEASE_SECONDS = float(os.environ.get("TASK_LEASE_SECONDS", "60"))
TASK_MAX_RUNS = int(os.environ.get("TASK_MAX_RUNS", "5"))
TASK_ORPHAN_SECONDS = float(os.environ.get("TASK_ORPHAN_SECONDS", "3600"))

# Webhooks go to public addresses only (core.netguard: no loopback, private, link-local, reserved ... address, checked
# when subscribing and again at each delivery). Networks listed here ("10.20.0.0/16,fd00:1::/64") are allowed too.
WEBHOOKS_ALLOWED_NETWORKS = env_list("WEBHOOKS_ALLOWED_NETWORKS")
# A CA bundle (file or directory) for receivers whose certificates a private CA signed; empty: the system's CAs.
WEBHOOKS_CA_BUNDLE = os.environ.get("WEBHOOKS_CA_BUNDLE", "")

# Shared data (exchange, docs/exchange.md): where resources' records come from (exchange.dataconnectors) — "table"
# (embedded: records imported into Yiwang), "http", "database", "filedrop" — and each connector's deployment options.
DATA_CONNECTORS = env_list("DATA_CONNECTORS") or ["table", "http", "database", "filedrop"]
DATA_CONNECTOR_OPTIONS = env_json("DATA_CONNECTOR_OPTIONS", {})
# The call log is written in batches by a background thread ("batched"), or at once in the caller's transaction
# ("direct": tests, a small site); a batch is written every INTERVAL seconds or when BATCH records wait.
EXCHANGE_CALL_LOG = os.environ.get("EXCHANGE_CALL_LOG", "batched")
EXCHANGE_CALL_LOG_INTERVAL = float(os.environ.get("EXCHANGE_CALL_LOG_INTERVAL", "1.0"))
EXCHANGE_CALL_LOG_BATCH = int(os.environ.get("EXCHANGE_CALL_LOG_BATCH", "500"))

# 12345 hotline (yiwang.hotline, docs/hotline.md). Email intake reads a mailbox through the HOTLINE_MAILBOX slot:
# "directory" (default: .eml files dropped in var/hotline/inbox) or "imap" ({"host", "user", "password", …}).
HOTLINE_MAILBOX = os.environ.get("HOTLINE_MAILBOX", "directory")
HOTLINE_MAILBOX_OPTIONS = env_json("HOTLINE_MAILBOX_OPTIONS", {})
# Duplicate suggestions: open orders of the same category within this many metres and days.
HOTLINE_DUPLICATE_METRES = int(os.environ.get("HOTLINE_DUPLICATE_METRES", "250"))
HOTLINE_DUPLICATE_DAYS = int(os.environ.get("HOTLINE_DUPLICATE_DAYS", "30"))
# Open311: answer POST /requests with a token only (the order is made by the worker) instead of at once.
HOTLINE_OPEN311_ASYNC = env_bool("HOTLINE_OPEN311_ASYNC", False)
