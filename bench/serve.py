"""The production server for `make serve`: gunicorn against granian, under the same load.

    DATABASE_URL=mysql://root@127.0.0.1:3306/ticketing python bench/serve.py [--rounds 3]

Each server runs the project's WSGI application with two workers (one per core here) on
127.0.0.1, against a scratch database, with static files collected. wrk loads it for
`--seconds` per page and round with 16 connections: the admin's login page (Django's full stack,
sessions and CSRF) and a static file (WhiteNoise). Printed: requests/s and p99 latency per
server and page, and each rate over gunicorn's (what `make serve` runs). Needs wrk (apt).
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from _common import ROOT, manage, scratch_database, scratch_env, setup_django, spawn, whole_number

setup_django(server_only=True)

HOST, PORT = "127.0.0.1", 8765
WARM_UP = 8  # requests per page before the timing: both workers get some
PAGES = {"admin login": "/admin/login/", "static CSS": "/static/admin/css/base.css"}
GRANIAN = ["granian", "--interface=wsgi", "--workers=2", f"--host={HOST}", f"--port={PORT}"]
SERVERS = {
    "gunicorn": ["gunicorn", "core.wsgi", "--workers=2", f"--bind={HOST}:{PORT}"],
    "gunicorn, 4 threads": [
        "gunicorn",
        "core.wsgi",
        "--workers=2",
        "--threads=4",
        f"--bind={HOST}:{PORT}",
    ],
    "granian": [*GRANIAN, "--log-level=error", "core.wsgi:application"],
    "granian, 4 threads": [
        *GRANIAN,
        "--blocking-threads=4",
        "--log-level=error",
        "core.wsgi:application",
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=whole_number(), default=5, help="per page and round")
    parser.add_argument("--rounds", type=whole_number(), default=3)
    args = parser.parse_args()
    seconds, rounds_count = args.seconds, args.rounds
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    with scratch_database("serve") as name:
        env = scratch_env(name)
        manage("collectstatic", "--noinput", "--verbosity=0", env=env)
        # Rounds interleave the servers, so that a noisy moment does not favour one; the
        # median round counts.
        rounds: dict[str, dict[str, list[tuple[float, float]]]] = {
            server: {page: [] for page in PAGES} for server in SERVERS
        }
        for _ in range(rounds_count):
            for server in SERVERS:
                with serving(server, env):
                    for page, path in PAGES.items():
                        rounds[server][page].append(load(path, seconds))
    results = {
        server: {page: statistics.median_low(runs) for page, runs in pages.items()}
        for server, pages in rounds.items()
    }
    print(f"\nServers, 2 workers each, wrk -c16, median of {rounds_count} rounds of {seconds} s")
    for page in PAGES:
        baseline = results["gunicorn"][page][0]
        for server in SERVERS:
            rate, p99 = results[server][page]
            print(
                f"  {page:<12} {server:<19} {rate:9,.0f} req/s   p99 {p99:7.1f} ms"
                f"   this/gunicorn = {rate / baseline:.2f}"
            )


@contextmanager
def serving(server: str, env: dict[str, str]) -> Iterator[None]:
    """`server` running and answering, for the duration."""
    process = spawn(SERVERS[server], cwd=ROOT, env={**os.environ, **env, "LOG_LEVEL": "ERROR"})
    try:
        deadline = time.monotonic() + 30
        while not _answers():
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{server} did not start")
            time.sleep(0.1)
        _warm_up()
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers() -> bool:
    try:
        socket.create_connection((HOST, PORT), timeout=1).close()
    except OSError:
        return False
    return True


def _warm_up() -> None:
    """A few requests of each page first: a worker's first request sets up what Django sets up
    lazily (URLs, templates), which would otherwise fall inside the first timing and, in a
    short run, leave it without a completed request."""
    for path in PAGES.values():
        for _ in range(WARM_UP):
            with urllib.request.urlopen(f"http://{HOST}:{PORT}{path}", timeout=30) as response:
                response.read()


def load(path: str, seconds: int) -> tuple[float, float]:
    """Requests/s and p99 latency in ms of `path` under wrk."""
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", f"http://{HOST}:{PORT}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if re.search(r"Non-2xx or 3xx responses", output):
        sys.exit(f"{path} answered errors under load:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    if rate is None or p99 is None:
        sys.exit(f"wrk printed no rate or latency:\n{output}")
    if float(rate.group(1)) == 0:
        sys.exit(f"{path}: no request completed in {seconds} s")
    return float(rate.group(1)), float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[
        p99.group(2)
    ]


if __name__ == "__main__":
    main()
