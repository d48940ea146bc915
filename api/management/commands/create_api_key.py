from typing import Any

from django.core.management.base import CommandParser

from api.models import ApiKey
from api.services import api_key_create
from utils.management.base import OneLineCommand


class Command(OneLineCommand):
    help = "Create an API key and print it, once: only its hash is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="who or what uses the key, e.g. 'gate 3'")
        parser.add_argument("--role", required=True, choices=ApiKey.Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name or len(name) > ApiKey._meta.get_field("name").max_length:  # type: ignore[operator]
            self.stderr.write("name: give 1 to 100 characters")
            raise SystemExit(2)
        key, raw = api_key_create(name=name, role=options["role"])
        self.stderr.write(f"{options['role']} key #{key.pk} for {name!r}; it is shown once:")
        self.stdout.write(raw)
