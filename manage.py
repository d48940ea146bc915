#!/usr/bin/env python
import os
import sys
from collections.abc import Callable
from pathlib import Path


def main(run: Callable[[list[str]], None] | None = None) -> None:
    """Start a management command: `.env` read, Ctrl-C and SIGTERM handled, and the errors an
    operator can fix (configuration, an unreachable database, a signal) told in one line."""
    from utils.interrupts import Interrupted, signals_install

    signals_install()
    try:
        _run(run)
    except Interrupted as exc:
        _exit(exc.exit_code, f"{exc}.")


def _run(run: Callable[[list[str]], None] | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import OperationalError

    from core.env import env_file_load

    env_file_load(Path(__file__).resolve().parent / ".env")
    try:
        (run or execute_from_command_line)(sys.argv)
    except ImproperlyConfigured as exc:
        _exit(1, f"Configuration error: {_one_line(exc)}")
    except OperationalError as exc:
        _exit(1, f"Database error: {_one_line(exc)}")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _exit(code: int, message: str) -> None:
    print(message, file=sys.stderr, flush=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
