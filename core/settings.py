"""Settings, read from the environment (see .env.example for every variable).

With no environment at all the project runs on an embedded SQLite file and the local-memory
cache; DATABASE_URL and REDIS_URL switch to MySQL/MariaDB and Redis.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext

from core.env import (
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_str,
)
from core.secret import secret_key

# Lets admin.ModelAdmin[Model] and friends be subscripted at run time, as the type stubs ask.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or secret_key(BASE_DIR / ".secret_key")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
# Production: a host beyond this machine is served (or DJANGO_PRODUCTION=1). Then HTTPS is
# enforced; on this machine alone the admin works over plain http with nothing set.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
PRODUCTION = env_bool("DJANGO_PRODUCTION", bool(set(ALLOWED_HOSTS) - LOCAL_HOSTS))
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Served behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto and -For.
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY")

INSTALLED_APPS = [
    # Before Django's admin, whose templates (the home page, the pagination) they extend.
    "dashboard",
    "utils",
    "dashboard.apps.TicketingAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "user",
    "order",
    "ticket",
    "api",
    "vouchers",
]

MIDDLEWARE = [
    "api.middleware.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "api.middleware.ApiErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins: 5 for one username from one address lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
AXES_RESET_ON_SUCCESS = True
# The client's address, behind the TLS proxy too (core/client_ip.py).
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"

# Requests to the API carry a token or a few ids: a larger body is refused with 413.
API_MAX_BODY_BYTES = 4096

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"
ASGI_APPLICATION = "core.asgi.application"
AUTH_USER_MODEL = "user.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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


def _database() -> dict[str, Any]:
    config = env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    # A request reuses its server thread's connection instead of opening one (TCP, login,
    # init command): the API's floor went from 1,523 to 2,737 req/s (bench/api.py). Health
    # checks replace a connection that the server closed meanwhile.
    config["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    if config["ENGINE"] == "django.db.backends.mysql":
        config["OPTIONS"] = {
            "charset": "utf8mb4",
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
            "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', time_zone='+00:00'",
            # A host that accepts the connection but never answers fails in this many seconds
            # (signals cannot interrupt the wait). ?connect_timeout=N in the URL overrides it.
            "connect_timeout": 10,
            **config.get("OPTIONS", {}),
        }
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers go on while a batch writes; IMMEDIATE takes the write lock at BEGIN
        # so two writers queue instead of failing on a lock upgrade.
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # A file, not memory: tests run management commands in subprocesses against it.
        config["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}
    return config


DATABASES = {"default": _database()}

REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis behind a guard: a Redis that is down or hanging costs one socket
            # timeout per outage, then calls miss at once and answers come from the database
            # (utils/redis_guard.py). The cache never fails a request or a job.
            "BACKEND": "utils.redis_guard.GuardedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "ticketing"),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves the collected files, compressed, with far-future caching of hashed names.
# Pages name those hashed files once collectstatic has run (`make serve` runs it), or
# with DEBUG on.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Production hardening: `manage.py check --deploy` is clean with only DJANGO_SECRET_KEY and
# DJANGO_ALLOWED_HOSTS set.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_HSTS_SECONDS = env_int(
    "DJANGO_SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0, maximum=63_072_000
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION

# Without a terminal, batch jobs print a progress line at most this often (0: every batch).
JOB_PROGRESS_SECONDS = env_int("JOB_PROGRESS_SECONDS", 5, maximum=3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"secrets": {"()": "core.logging.SecretsRedacted"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["secrets"]}},
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "LOG_LEVEL", "WARNING", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
        ),
    },
}
