import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

from core.env import env_file_load

env_file_load(Path(__file__).resolve().parent.parent / ".env")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
application = get_wsgi_application()
