"""The project's settings, read from an environment cleared of the developer's variables.

A JOB_PROGRESS_SECONDS or DJANGO_SECURE_SSL_REDIRECT left in a shell, or a `.env` file, must
not change what the tests see. Every variable that .env.example lists is emptied (empty means
unset, and python-dotenv leaves a set variable alone, so a `.env` cannot fill it in for the
commands the tests start), except the two that choose the backends under test.
"""

import os
import re
from pathlib import Path

BACKENDS = {"DATABASE_URL", "REDIS_URL"}
EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"
PROJECT_VARIABLES = set(re.findall(r"^# ?([A-Z][A-Z0-9_]*)=", EXAMPLE.read_text(), re.MULTILINE))

for _name in PROJECT_VARIABLES - BACKENDS:
    os.environ[_name] = ""

from core.settings import *  # noqa: E402, F403

# Pages render without collectstatic: plain names, no manifest. (tests/core/test_serving.py
# checks the real storage.)
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No warning for a static root that only collectstatic makes.
WHITENOISE_AUTOREFRESH = True
