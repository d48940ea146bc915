from typing import Any

from order.services import orders_seed
from utils.management.base import SeedCommand


class Command(SeedCommand):
    help = "Create orders spread over the existing customers, in resumable batches."

    def handle(self, *args: Any, **options: Any) -> None:
        self.report(orders_seed(options=self.seed_options(options)), noun="orders")
