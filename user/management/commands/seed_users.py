from typing import Any

from user.services import users_seed
from utils.management.base import SeedCommand


class Command(SeedCommand):
    help = "Create realistic customers in checkpointed, resumable batches."

    def handle(self, *args: Any, **options: Any) -> None:
        self.report(users_seed(options=self.seed_options(options)), noun="users")
