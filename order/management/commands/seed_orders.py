from typing import Any

from order.services import SEED_ORDERS_KIND, orders_seed
from utils.management.base import SeedCommand


class Command(SeedCommand):
    help = "Create orders spread over the existing customers, in resumable batches."
    kind = SEED_ORDERS_KIND

    def run_job(self, options: dict[str, Any]) -> None:
        self.report(orders_seed(options=self.seed_options(options)), noun="orders")
