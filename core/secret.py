import os
from pathlib import Path

from django.core.management.utils import get_random_secret_key


def secret_key(path: Path) -> str:
    """Return the key stored at `path`, creating it once (mode 0600) on a first run.

    This lets a fresh clone run with no environment while keeping the key out of git;
    production sets DJANGO_SECRET_KEY instead.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        key = get_random_secret_key()
        handle.write(key)
    return key
