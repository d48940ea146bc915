"""Settings are read from the environment when a process starts: each case is a new process."""

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import ROOT

PRINT_SETTINGS = """
import json
from typing import Any
from django.conf import settings
db, cache = settings.DATABASES["default"], settings.CACHES["default"]
print(json.dumps({"engine": db["ENGINE"], "name": str(db["NAME"]),
    "options": db.get("OPTIONS", {}), "test": {k: str(v) for k, v in db["TEST"].items()},
    "cache": cache["BACKEND"], "location": cache.get("LOCATION"),
    "cache_options": cache.get("OPTIONS", {}), "sessions": settings.SESSION_ENGINE,
    "debug": settings.DEBUG}))
"""
OURS = ("DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")


def python(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run Python in a fresh process whose environment holds only `env` of our variables."""
    clean = {key: value for key, value in os.environ.items() if key not in OURS}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "core.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(**env: str) -> dict[str, Any]:
    result = python("-c", PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_no_environment_selects_embedded_sqlite_and_local_memory() -> None:
    found = settings_with()
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert found["debug"] is False


def test_database_url_selects_mysql_with_utf8mb4_and_strict_mode() -> None:
    found = settings_with(DATABASE_URL="mysql://app:secret@db.internal:3307/shop")
    assert found["engine"] == "django.db.backends.mysql"
    assert found["name"] == "shop"
    assert found["options"]["charset"] == "utf8mb4"
    assert "STRICT_TRANS_TABLES" in found["options"]["init_command"]
    assert found["test"]["CHARSET"] == "utf8mb4"
    assert found["test"]["COLLATION"] == "utf8mb4_unicode_ci"


def test_redis_url_selects_redis_for_cache_and_sessions_with_short_timeouts() -> None:
    found = settings_with(REDIS_URL="redis://cache.internal:6379/2")
    assert found["cache"] == "django_redis.cache.RedisCache"
    assert found["location"] == "redis://cache.internal:6379/2"
    assert found["cache_options"]["SOCKET_TIMEOUT"] <= 0.5
    assert found["cache_options"]["IGNORE_EXCEPTIONS"] is True
    assert found["sessions"] == "django.contrib.sessions.backends.cached_db"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "nosuchdb://x/y", "DATABASE_URL is not a valid database URL"),
        ("DATABASE_URL", "mysql://root@127.0.0.1:3306", "DATABASE_URL names no database"),
        ("REDIS_URL", "127.0.0.1:6379", "REDIS_URL must start with redis://"),
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be a boolean"),
        ("DJANGO_SECURE_HSTS_SECONDS", "soon", "DJANGO_SECURE_HSTS_SECONDS must be an integer"),
    ],
)
def test_a_bad_value_stops_the_start_with_one_line(variable: str, value: str, message: str) -> None:
    result = python("manage.py", "check", **{variable: value})
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Configuration error: {message}")


def test_check_deploy_is_clean_with_production_variables() -> None:
    result = python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level=WARNING",
        DJANGO_SECRET_KEY="k" + "x7Q!m2#Lp9@zR4$wT6^yU8&iO0*aS3(dF5)gH1_jK-+=" * 2,
        DJANGO_ALLOWED_HOSTS="tickets.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
