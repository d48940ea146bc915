"""`make serve` as a new user meets it: a production server on a fresh copy, nothing set."""

import http.client
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.core.conftest import clean_environment, python_in

# As the Makefile's `serve` starts it, with one worker.
SERVE_OPTIONS = ("--interface=wsgi", "--workers=1", "--blocking-threads=4", "--host=127.0.0.1")


@contextmanager
def served(project: Path) -> Iterator[http.client.HTTPConnection]:
    """granian running `project` as `make serve` starts it, on a free port; a connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            *SERVE_OPTIONS,
            f"--port={port}",
            "core.wsgi:application",
        ],
        cwd=project,
        env=clean_environment(),
    )
    try:
        deadline = time.monotonic() + 30
        while not answers(port):  # polls for the condition; the deadline only bounds it
            assert server.poll() is None, "granian stopped"
            assert time.monotonic() < deadline, "granian did not answer in 30 s"
            time.sleep(0.1)
        yield http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=30)


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def get(
    connection: http.client.HTTPConnection, path: str
) -> tuple[int, http.client.HTTPMessage, str]:
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.headers, response.read().decode()


def test_a_new_user_opens_the_admin_over_plain_http_with_its_styles(project_copy: Path) -> None:
    collected = python_in(project_copy, "manage.py", "collectstatic", "--noinput", "-v0")
    assert collected.returncode == 0, collected.stderr
    with served(project_copy) as connection:
        status, _, page = get(connection, "/admin/login/")
        assert status == 200
        stylesheet = re.search(r'href="(/static/admin/css/base\.\w+\.css)"', page)
        assert stylesheet is not None, "the page links no hashed stylesheet"
        status, headers, css = get(connection, stylesheet.group(1))
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "max-age=315360000" in headers["Cache-Control"]  # WhiteNoise: hashed, kept forever
    assert "body" in css
