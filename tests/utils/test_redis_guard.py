"""The cache against a real Redis of its own, started, frozen (SIGSTOP), resumed, stopped."""

import logging
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from django.test import override_settings

from utils import redis_guard
from utils.cache import DATA_FAMILY, family_bump, family_cached

TIMEOUT = 0.25
# A frozen Redis costs one socket timeout; the rest is this machine's slack.
BOUND = TIMEOUT + 0.5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def redis_server() -> Iterator[tuple["subprocess.Popen[bytes]", int]]:
    server_binary = shutil.which("redis-server")
    assert server_binary, "redis-server is needed (apt-get install redis-server; .ci/run does)"
    port = free_port()
    process = subprocess.Popen(
        [
            server_binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:  # polling the server until it answers, not waiting for a time
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "the test's Redis did not start"
    yield process, port
    process.send_signal(signal.SIGCONT)
    process.kill()
    process.wait()


def settings_for(port: int) -> dict[str, object]:
    options = {"SOCKET_CONNECT_TIMEOUT": TIMEOUT, "SOCKET_TIMEOUT": TIMEOUT}
    location = f"redis://127.0.0.1:{port}/0"
    backend = "utils.redis_guard.GuardedRedisCache"
    return {"default": {"BACKEND": backend, "LOCATION": location, "OPTIONS": options}}


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_frozen_redis_costs_one_timeout_per_outage_and_is_logged_once(
    redis_server, caplog: pytest.LogCaptureFixture
) -> None:
    process, port = redis_server
    with override_settings(CACHES=settings_for(port)):
        from django.core.cache import cache

        cache.set("k", "v")
        assert cache.get("k") == "v"
        process.send_signal(signal.SIGSTOP)
        first, waited = timed(lambda: cache.get("k", "missed"))
        assert first == "missed"
        assert waited < BOUND
        later = [timed(lambda: cache.get("k", "missed")) for _ in range(20)]
        assert all(value == "missed" for value, _ in later)
        assert sum(seconds for _, seconds in later) < 0.1  # no call touched Redis
        outages = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
        assert len(outages) == 1


def test_redis_is_used_again_once_it_answers(
    redis_server, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    process, port = redis_server
    monkeypatch.setattr(redis_guard, "RETRY_SECONDS", 0.0)  # retry at the next call
    with override_settings(CACHES=settings_for(port)):
        from django.core.cache import cache

        process.send_signal(signal.SIGSTOP)
        assert cache.get("k") is None
        process.send_signal(signal.SIGCONT)
        caplog.set_level(logging.WARNING)
        cache.set("k", "back")
        assert cache.get("k") == "back"
        assert any("answers again" in r.getMessage() for r in caplog.records)


def test_a_stopped_redis_misses_at_once(redis_server) -> None:
    process, port = redis_server
    process.kill()
    process.wait()
    with override_settings(CACHES=settings_for(port)):
        from django.core.cache import cache

        value, waited = timed(lambda: cache.get("k", "missed"))
        assert value == "missed"
        assert waited < BOUND


@pytest.mark.django_db
def test_an_answer_changed_while_redis_was_frozen_is_not_stale_after_it_resumes(
    redis_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    process, port = redis_server
    monkeypatch.setattr(redis_guard, "RETRY_SECONDS", 0.0)
    answers = iter(["before", "after", "unexpected"])

    def read() -> str:
        return family_cached(family=DATA_FAMILY, key="k", timeout=60, compute=lambda: next(answers))

    with override_settings(CACHES=settings_for(port)):
        assert read() == "before"
        assert read() == "before"  # cached
        process.send_signal(signal.SIGSTOP)
        family_bump(family=DATA_FAMILY)  # the write: Redis could not be told
        process.send_signal(signal.SIGCONT)
        assert read() == "after"
        assert read() == "after"  # cached again, under the new generation
