from typing import Any

from user.services import SEED_USERS_KIND, users_seed
from utils.management.base import SeedCommand


class Command(SeedCommand):
    help = "Create realistic customers in checkpointed, resumable batches."
    kind = SEED_USERS_KIND

    def run_job(self, options: dict[str, Any]) -> None:
        self.report(users_seed(options=self.seed_options(options)), noun="users")
