"""Settings are read from the environment when a process starts: each case is a new process."""

import json
import re
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from core.secret import secret_key
from tests.conftest import ROOT
from tests.core.conftest import python_in
from tests.settings import PROJECT_VARIABLES

PRINT_SETTINGS = """
import json
from typing import Any
from django.conf import settings
db, cache = settings.DATABASES["default"], settings.CACHES["default"]
print(json.dumps({"engine": db["ENGINE"], "name": str(db["NAME"]),
    "options": db.get("OPTIONS", {}), "test": {k: str(v) for k, v in db["TEST"].items()},
    "cache": cache["BACKEND"], "location": cache.get("LOCATION"),
    "cache_options": cache.get("OPTIONS", {}), "sessions": settings.SESSION_ENGINE,
    "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS,
    "hsts": settings.SECURE_HSTS_SECONDS, "progress": settings.JOB_PROGRESS_SECONDS,
    "log_level": settings.LOGGING["root"]["level"], "ssl": settings.SECURE_SSL_REDIRECT,
    "secure_cookies": settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE,
    "behind_proxy": settings.BEHIND_TLS_PROXY,
    "https_from": settings.SECURE_PROXY_SSL_HEADER}))
"""


def python(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return python_in(ROOT, *args, **env)


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
    assert found["options"]["connect_timeout"] == 10  # a silent host cannot hang a command


def test_redis_url_selects_redis_for_cache_and_sessions_with_short_timeouts() -> None:
    found = settings_with(REDIS_URL="redis://cache.internal:6379/2")
    assert found["cache"] == "utils.redis_guard.GuardedRedisCache"
    assert found["location"] == "redis://cache.internal:6379/2"
    assert found["cache_options"]["SOCKET_TIMEOUT"] <= 0.5
    assert found["sessions"] == "django.contrib.sessions.backends.cached_db"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "nosuchdb://x/y", "DATABASE_URL is not a valid database URL"),
        ("DATABASE_URL", "mysql://root@127.0.0.1:3306", "DATABASE_URL names no database"),
        ("REDIS_URL", "127.0.0.1:6379", "REDIS_URL must start with redis://"),
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be a boolean"),
        ("DJANGO_SECURE_HSTS_SECONDS", "soon", "DJANGO_SECURE_HSTS_SECONDS must be an integer"),
        ("DJANGO_SECURE_HSTS_SECONDS", "-1", "DJANGO_SECURE_HSTS_SECONDS must be from 0 to"),
        ("JOB_PROGRESS_SECONDS", "99999", "JOB_PROGRESS_SECONDS must be from 0 to 3600, got"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
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


def test_on_this_machine_alone_the_site_is_served_over_plain_http() -> None:
    found = settings_with()
    assert (found["ssl"], found["hsts"], found["secure_cookies"]) == (False, 0, False)


@pytest.mark.parametrize(
    "env",
    [
        {"DJANGO_ALLOWED_HOSTS": "tickets.example.com"},
        {"DJANGO_ALLOWED_HOSTS": "localhost,*"},
        {"DJANGO_PRODUCTION": "1"},
    ],
)
def test_production_enforces_https_hsts_and_secure_cookies(env: dict[str, str]) -> None:
    found = settings_with(**env)
    assert (found["ssl"], found["hsts"], found["secure_cookies"]) == (True, 31_536_000, True)


def test_production_can_be_switched_off_explicitly_for_a_named_host() -> None:
    found = settings_with(DJANGO_ALLOWED_HOSTS="tickets.example.com", DJANGO_PRODUCTION="0")
    assert (found["ssl"], found["secure_cookies"]) == (False, False)


def test_behind_a_tls_proxy_the_scheme_and_client_come_from_its_headers() -> None:
    direct, proxied = settings_with(), settings_with(DJANGO_BEHIND_TLS_PROXY="1")
    assert (direct["behind_proxy"], direct["https_from"]) == (False, None)
    assert proxied["behind_proxy"] is True
    assert proxied["https_from"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize(
    "variable",
    [
        "DATABASE_URL",
        "REDIS_URL",
        "DJANGO_DEBUG",
        "DJANGO_ALLOWED_HOSTS",
        "DJANGO_PRODUCTION",
        "DJANGO_SECURE_HSTS_SECONDS",
        "DJANGO_SECURE_SSL_REDIRECT",
        "JOB_PROGRESS_SECONDS",
        "LOG_LEVEL",
    ],
)
def test_an_empty_variable_counts_as_unset(variable: str) -> None:
    assert settings_with(**{variable: ""}) == settings_with()


def test_every_variable_the_settings_read_is_listed_in_env_example() -> None:
    read = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', (ROOT / "core/settings.py").read_text()))
    assert read
    assert read <= PROJECT_VARIABLES


def test_the_test_run_ignores_project_variables_left_in_the_shell() -> None:
    result = python(
        "-c",
        "import django; django.setup(); from django.conf import settings;"
        " print(settings.JOB_PROGRESS_SECONDS, settings.SECURE_SSL_REDIRECT)",
        DJANGO_SETTINGS_MODULE="tests.settings",
        JOB_PROGRESS_SECONDS="0",
        DJANGO_SECURE_SSL_REDIRECT="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["5", "False"]


@pytest.mark.parametrize(
    "program", [("manage.py", "check"), ("-c", "import core.wsgi"), ("-c", "import core.asgi")]
)
def test_manage_wsgi_and_asgi_read_the_env_file(project_copy: Path, program) -> None:
    (project_copy / ".env").write_text("DJANGO_DEBUG=maybe\n")
    result = python_in(project_copy, *program)
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean (1/0, true/false), got 'maybe'" in result.stderr


def test_the_env_file_keeps_dollars_and_hashes_and_loses_to_the_environment(
    project_copy: Path,
) -> None:
    key = "k$HOME#x7Q!m2#Lp9@zR4$wT6^yU8&iO0*aS3(dF5)gH1_jK-+=" * 2
    (project_copy / ".env").write_text(f"DJANGO_SECRET_KEY='{key}'\nDJANGO_DEBUG=1\n")
    script = (
        "import core.wsgi; from django.conf import settings;"
        " print(settings.SECRET_KEY, settings.DEBUG)"
    )
    result = python_in(project_copy, "-c", script, DJANGO_DEBUG="0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [key, "False"]


def keys_read_at_once(path: Path, readers: int) -> list[str]:
    """What `readers` threads get from secret_key(path), all started at the same instant."""
    start = threading.Barrier(readers)
    keys: list[str] = []

    def read() -> None:
        start.wait()
        keys.append(secret_key(path))

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return keys


def test_a_new_secret_key_is_never_read_half_written(tmp_path: Path) -> None:
    for attempt in range(50):
        path = tmp_path / f"key-{attempt}"
        keys = keys_read_at_once(path, 8)
        assert len(keys) == 8
        assert len(set(keys)) == 1, keys
        assert len(keys[0]) == 50
        assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_an_empty_secret_key_file_stops_the_start_in_one_line(project_copy: Path) -> None:
    (project_copy / ".secret_key").write_text("")
    result = python_in(project_copy, "manage.py", "check")
    assert result.returncode == 1
    assert result.stderr == (
        f"Configuration error: {project_copy / '.secret_key'} is empty: delete it, and a new"
        " key is made\n"
    )
