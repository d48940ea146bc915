"""Helpers shared by the benchmark scripts: run them from the repository root with
DATABASE_URL pointing at MySQL/MariaDB (for example `make bench`)."""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    django.setup()
    from django.db import connection

    if connection.vendor != "mysql":
        sys.exit("benchmarks compare against MySQL itself: set DATABASE_URL=mysql://...")


def manage(*args: str) -> tuple[float, int]:
    """Run a management command; return its wall time and the peak RSS (MiB) of children."""
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True)
    elapsed = time.perf_counter() - started
    return elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


def report(title: str, rows: list[tuple[str, float]], project: str) -> None:
    """Print each timing with its ratio to the project's figure."""
    print(f"\n{title}")
    ours = dict(rows)[project]
    for name, seconds in rows:
        print(f"  {name:<44} {seconds:8.1f} s   project/this = {ours / seconds:5.2f}")
