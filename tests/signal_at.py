"""Start a command the way manage.py does, but send this process a signal the first time a
given function is called: a signal at an exact point of the start-up, without timing.

    python -m tests.signal_at SIGTERM django.setup regenerate_tokens --batch-size=5
"""

import importlib
import os
import signal
from typing import Any


def _patch(target: str, signum: int) -> None:
    module_name, _, name = target.rpartition(".")
    module = importlib.import_module(module_name)
    original = getattr(module, name)

    def signalled(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signum)
        return original(*args, **kwargs)

    setattr(module, name, signalled)


def _run(argv: list[str]) -> None:
    import django
    from django.core.management import execute_from_command_line

    signal_name, target, *command = argv[1:]
    if target != "django.setup":
        django.setup()  # the target's module imports models
    _patch(target, signal.Signals[signal_name])
    execute_from_command_line(["manage.py", *command])


if __name__ == "__main__":
    from manage import main

    main(run=_run)
