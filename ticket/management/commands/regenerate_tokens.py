from typing import Any

from ticket.services import REGENERATE_KIND, ROTATION_CONCURRENCY, ticket_tokens_regenerate
from utils.management.base import JobCommand


class Command(JobCommand):
    help = (
        "Give every ticket a new token in checkpointed batches, recording the old tokens"
        " as revoked. Several processes may run it with --resume to share the work."
    )
    kind = REGENERATE_KIND
    default_concurrency = ROTATION_CONCURRENCY

    def run_job(self, options: dict[str, Any]) -> None:
        outcome = ticket_tokens_regenerate(options=self.run_options(options))
        self.report(outcome, noun="tickets rotated")
