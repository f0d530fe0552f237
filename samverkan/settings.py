"""Samverkan settings, driven by environment variables.

Every value that differs between a developer's laptop, the demo, CI and
production is read from the environment through the small helpers below,
which fail loudly on malformed input. Secrets may also be read from a file
named by ``NAME_FILE`` (Docker and systemd credentials).
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Generic classes (ModelForm[Model], QuerySet[Model]) subscriptable at run time, for typing.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    """Read ``name`` from the environment, or from the file named by ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# Running under pytest: the test suite gets a fixed key and plain HTTP.
TESTING = "pytest" in sys.modules

DEBUG = env_bool("DEBUG", False)
# Demo mode: the local demo with synthetic data; two-factor auth is not enforced.
SAMVERKAN_DEMO = env_bool("SAMVERKAN_DEMO", False)
PRODUCTION = not (DEBUG or SAMVERKAN_DEMO or TESTING)

SECRET_KEY = env("SECRET_KEY") or ""
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in production (or SECRET_KEY_FILE pointing to it)."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production-0123456789abcdefghij"  # noqa: S105  development only: production refuses to start without SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if TESTING:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "samverkan.accounts",
    "samverkan.audit",
    "samverkan.web",
    "samverkan.legal",
    "samverkan.operations",
    "samverkan.support",
    "samverkan.investigations",
    "samverkan.sharing",
    "samverkan.reports",
    "samverkan.intel",
    "samverkan.planning",
    "samverkan.jobs",
    "samverkan.extracts",
    "samverkan.retention",
    "samverkan.notices",
    "samverkan.api",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
]
# Development tools: the demo's personas and data (load_demo), the national-scale data
# (generate_scale_data) and the synthetic intelligence items with their linkage scores.
# Installed only for a developer or the demo, never in production; the test suite adds
# them in samverkan/settings_test.py.
DEVELOPMENT_APPS = ["samverkan.demo"]
if DEBUG or SAMVERKAN_DEMO:
    INSTALLED_APPS += DEVELOPMENT_APPS

MIDDLEWARE = [
    "samverkan.web.middleware.RequestIdMiddleware",
    "samverkan.web.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Cache-Control: no-store on every signed-in response and download (before the
    # next one, so that a session it ends is covered too).
    "samverkan.web.middleware.NoStoreMiddleware",
    "samverkan.accounts.middleware.VerifiedSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "samverkan.urls"
WSGI_APPLICATION = "samverkan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "samverkan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "samverkan.web.context_processors.samverkan",
                "samverkan.web.context_processors.nav_counts",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so that two writers
    # never both read the audit chain head and then fail to upgrade their lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:start"
LOGOUT_REDIRECT_URL = "accounts:login"

# Two-factor authentication is enforced for every user outside demo mode.
SAMVERKAN_REQUIRE_2FA = env_bool("SAMVERKAN_REQUIRE_2FA", not SAMVERKAN_DEMO)
# A first authenticator app is connected only with a one-time activation code that an
# administrator of the user's agency issues and hands over out of band (the demo skips it).
SAMVERKAN_REQUIRE_ACTIVATION_CODE = env_bool("SAMVERKAN_REQUIRE_ACTIVATION_CODE", not SAMVERKAN_DEMO)
SAMVERKAN_ACTIVATION_CODE_HOURS = env_int("SAMVERKAN_ACTIVATION_CODE_HOURS", 72)
if SAMVERKAN_ACTIVATION_CODE_HOURS < 1:
    raise ImproperlyConfigured("SAMVERKAN_ACTIVATION_CODE_HOURS must be at least 1.")
OTP_TOTP_ISSUER = "Samverkan"

# Where the accessibility statement (/tillganglighet/) tells users to report a barrier.
SAMVERKAN_ACCESSIBILITY_CONTACT = env("SAMVERKAN_ACCESSIBILITY_CONTACT") or "tillganglighet@samverkan.example"
OTP_TOTP_THROTTLE_FACTOR = 1

# Lock-out after repeated failures (django-axes), per username.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "samverkan.accounts.views.lockout_response"
AXES_VERBOSE = False
# Locked per username only: officers share a station's NAT address, so an
# address lock-out would shut a whole station out. Rotating user agents or
# cookies does not help an attacker against a per-username lock.
# HSTS preload (security.W021) is the domain owner's decision, made with the
# browser vendors' preload list; SECURE_HSTS_PRELOAD turns it on.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "security.W021"]

# Idle timeout: the session expires this long after the last request.
SAMVERKAN_IDLE_MINUTES = env_int("SAMVERKAN_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SAMVERKAN_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Transport security ---------------------------------------------------
# Off only for the local demo and tests, which run over plain HTTP on loopback.
SAMVERKAN_HTTPS = env_bool("SAMVERKAN_HTTPS", PRODUCTION)
SESSION_COOKIE_SECURE = SAMVERKAN_HTTPS
CSRF_COOKIE_SECURE = SAMVERKAN_HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = SAMVERKAN_HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000) if SAMVERKAN_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SAMVERKAN_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# --- Map -------------------------------------------------------------------
# A tile server's URL template (Leaflet's: https://tiles.example.org/{z}/{x}/{y}.png, {s} for
# subdomains), run by the authority itself. Empty (the default): no tiles; the map shows its
# points over the areas' outlines shipped with the project, and works offline. The server's
# origin is added to the CSP's img-src.
SAMVERKAN_MAP_TILES = env("SAMVERKAN_MAP_TILES") or ""
SAMVERKAN_MAP_ATTRIBUTION = env("SAMVERKAN_MAP_ATTRIBUTION") or ""


def _tile_origin(template: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(template.replace("{s}", "SUBDOMAIN"))
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise ImproperlyConfigured("SAMVERKAN_MAP_TILES must be an http(s) URL template.")
    host = parts.netloc.replace("SUBDOMAIN", "*")
    return f"{parts.scheme}://{host}"


if SAMVERKAN_MAP_TILES:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(_tile_origin(SAMVERKAN_MAP_TILES))

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "samverkan" / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "samverkan" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Audit ----------------------------------------------------------------
# The audit chain's keys (HMAC-SHA256), held outside the database: a file of
# KEY_ID:HEX lines, the last one signing (samverkan/audit/keys.py, docs/audit.md).
# Production refuses to start without it; elsewhere a development key is
# generated once into var/.
SAMVERKAN_AUDIT_KEY_FILE = os.environ.get("SAMVERKAN_AUDIT_KEY_FILE", "")
SAMVERKAN_AUDIT_DEV_KEY = False
if not SAMVERKAN_AUDIT_KEY_FILE:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SAMVERKAN_AUDIT_KEY_FILE must name the audit chain's key file in production "
            "(docs/audit.md says how to create one)."
        )
    SAMVERKAN_AUDIT_KEY_FILE = str(BASE_DIR / "var" / "audit-dev.key")
    SAMVERKAN_AUDIT_DEV_KEY = True
# Signed checkpoints of the chain's head are appended to a file in this directory,
# which should live outside the database's reach (another disk, a mount shipped
# off the host). `manage.py check --deploy` requires it in production.
# Empty: no checkpoints (the test suite, unless a test sets one).
SAMVERKAN_AUDIT_CHECKPOINT_DIR = os.environ.get("SAMVERKAN_AUDIT_CHECKPOINT_DIR", "") or (
    "" if PRODUCTION or TESTING else str(BASE_DIR / "var" / "audit-checkpoints")
)
# The load benchmark only (scripts/bench_load.py): no audit events are written, to measure
# what the log costs. Refused in production: the log is never optional there.
SAMVERKAN_BENCH_AUDIT_OFF = env_bool("SAMVERKAN_BENCH_AUDIT_OFF", False)
if SAMVERKAN_BENCH_AUDIT_OFF and PRODUCTION:
    raise ImproperlyConfigured("SAMVERKAN_BENCH_AUDIT_OFF is for the load benchmark, never production.")
# Client address: REMOTE_ADDR unless a trusted proxy sets this header.
SAMVERKAN_CLIENT_IP_HEADER = env("SAMVERKAN_CLIENT_IP_HEADER") or ""

# --- Shifts ---------------------------------------------------------------
# A shift can be started (and its staff check in) this many hours before its planned
# start, and what happened on it lies in its planned time widened by as much.
SAMVERKAN_SHIFT_START_MARGIN_HOURS = env_int("SAMVERKAN_SHIFT_START_MARGIN_HOURS", 2)
# The staff can record encounters and venue visits this long after the shift's end.
SAMVERKAN_LATE_ENTRY_HOURS = env_int("SAMVERKAN_LATE_ENTRY_HOURS", 24)
# The author can change an encounter's or a visit's time this long after recording it.
SAMVERKAN_ENTRY_EDIT_HOURS = env_int("SAMVERKAN_ENTRY_EDIT_HOURS", 24)

# --- Published statistics --------------------------------------------------
# Public tables: counts below the threshold are suppressed ("färre än 5"), or,
# with "cell_key", every cell gets Statistics Sweden's small fixed noise.
SAMVERKAN_PUBLIC_METHOD = env("SAMVERKAN_PUBLIC_METHOD") or "suppression"
if SAMVERKAN_PUBLIC_METHOD not in {"suppression", "cell_key"}:
    raise ImproperlyConfigured("SAMVERKAN_PUBLIC_METHOD must be 'suppression' or 'cell_key'.")
SAMVERKAN_SUPPRESSION_THRESHOLD = env_int("SAMVERKAN_SUPPRESSION_THRESHOLD", 5)
# The cell key method's record keys come from this secret: it must never change,
# or repeated publications could be compared to undo the noise.
SAMVERKAN_CELL_KEY_SECRET = env("SAMVERKAN_CELL_KEY_SECRET") or ""
if not SAMVERKAN_CELL_KEY_SECRET:
    if PRODUCTION and SAMVERKAN_PUBLIC_METHOD == "cell_key":
        raise ImproperlyConfigured("SAMVERKAN_CELL_KEY_SECRET must be set for the cell key method.")
    SAMVERKAN_CELL_KEY_SECRET = "insecure-development-cell-key-secret"  # noqa: S105  development only: production with cell_key refuses to start without it
# PostgreSQL: how many of a report's queries run side by side, each on a connection of
# its own in one snapshot (reports/tally.py); 1 runs them one after the other.
SAMVERKAN_REPORT_WORKERS = env_int("SAMVERKAN_REPORT_WORKERS", 2)

# --- Background jobs ---------------------------------------------------------
# django-tasks with its database backend: a job is a row in the same database, run by
# `manage.py db_worker` (started by `make demo` beside the web server; in production a
# service of its own, see docs/operations.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Intelligence linkage on Spark (`link_intel --backend spark`): local threads by default;
# a national deployment points it at an existing cluster (docs/architecture.md, "Linkage at
# national scale"): the master URL (local[2], spark://host:7077, yarn, k8s://…), the
# driver's memory, a checkpoint folder every node reaches (hdfs://…), and any Spark
# properties as "key=value" pairs separated by ";" (e.g.
# "spark.executor.memory=8g;spark.executor.cores=4").
SAMVERKAN_SPARK_MASTER = env("SAMVERKAN_SPARK_MASTER") or "local[2]"
SAMVERKAN_SPARK_DRIVER_MEMORY = env("SAMVERKAN_SPARK_DRIVER_MEMORY") or "3g"
SAMVERKAN_SPARK_CHECKPOINT_DIR = env("SAMVERKAN_SPARK_CHECKPOINT_DIR") or ""
# Where a web or worker process unpacks the last linkage run to link a new item at once
# (shared by the processes of one host). Empty: "samverkan-linkage" in the system's temp dir.
SAMVERKAN_LINKAGE_CACHE_DIR = env("SAMVERKAN_LINKAGE_CACHE_DIR") or ""
SAMVERKAN_SPARK_CONF = env("SAMVERKAN_SPARK_CONF") or ""
# API: requests per token (or session user) and window, counted in the default cache (per
# process unless CACHES names a shared one).
SAMVERKAN_API_RATE = env("SAMVERKAN_API_RATE") or "600/min"
# PostgreSQL: an import of at least 200,000 items (and at least as many as the table holds)
# drops the items' plain indexes and builds them again at the end: faster, but the table is
# then locked against every other session for the whole import (hand entry and the tips
# wait, and the audit chain behind them): only for a first load in a maintenance window.
SAMVERKAN_IMPORT_REBUILD_INDEXES = env_bool("SAMVERKAN_IMPORT_REBUILD_INDEXES", False)
# Uploaded files wait here for their import job; removed when the import has run.
SAMVERKAN_JOB_FILES_DIR = Path(env("SAMVERKAN_JOB_FILES_DIR") or BASE_DIR / "var" / "job-files")
# An export job's file (jobs/files.py) is kept this many days after the job finished, then removed.
SAMVERKAN_EXPORT_DAYS = env_int("SAMVERKAN_EXPORT_DAYS", 7)

# Notifications' e-mail digest (notices/reminders.py): it says only that something waits,
# with a link to this address. The demo and development print it on the console; production
# sends through SMTP (EMAIL_HOST etc. from the environment, Django's own settings).
SAMVERKAN_SITE_URL = env("SAMVERKAN_SITE_URL") or "http://localhost:8000"
EMAIL_BACKEND = env("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG or SAMVERKAN_DEMO
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_HOST_USER = env("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD") or ""
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL") or "samverkan@localhost"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL") or "WARNING"},
    # Splink's warnings are about training on small data sets (the demo's); errors still
    # show, and the model's quality is measured by make bench-intel.
    "loggers": {"axes": {"level": "WARNING"}, "splink": {"level": "ERROR"}},
}
CSRF_FAILURE_VIEW = "samverkan.web.views.csrf_failure"
