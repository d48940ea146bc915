from typing import Any

from django.core.management.base import CommandParser

from ticket.services import SEED_TICKETS_KIND, tickets_seed
from utils.management.base import SeedCommand, ratio


class Command(SeedCommand):
    help = "Create tickets over the existing orders, some left unsold, in resumable batches."
    kind = SEED_TICKETS_KIND

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--unsold-ratio", type=ratio, help="share of tickets without an order (default 0.1)"
        )

    def run_job(self, options: dict[str, Any]) -> None:
        outcome = tickets_seed(
            options=self.seed_options(options), unsold_ratio=options["unsold_ratio"]
        )
        self.report(outcome, noun="tickets")
