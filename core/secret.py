import os
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key


def secret_key(path: Path) -> str:
    """Return the key stored at `path`, creating it once (mode 0600) on a first run.

    This lets a fresh clone run with no environment while keeping the key out of git;
    production sets DJANGO_SECRET_KEY instead. The key is written to a temporary file and
    linked into place, which fails if the file exists: no process ever reads it half
    written, and when two start at once, both use the first one's key.
    """
    if path.exists():
        return _read(path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(get_random_secret_key())
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise ImproperlyConfigured(f"{path} is empty: delete it, and a new key is made")
    return key
