import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.settings import PROJECT_VARIABLES


def python_in(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run Python in a fresh process whose environment holds only `env` of our variables."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**clean_environment(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def clean_environment() -> dict[str, str]:
    """This process's environment without any of the project's variables: the embedded
    default, as a new user has it."""
    clean = {key: value for key, value in os.environ.items() if key not in PROJECT_VARIABLES}
    return {**clean, "DJANGO_SETTINGS_MODULE": "core.settings"}


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The project's code in a folder of its own, to give it a `.env` file."""
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".*", "*.sqlite3*", "__pycache__", "staticfiles")
    )
    return copy
