from typing import Any

from django.core.management.base import CommandParser

from ticket.services import REGENERATE_KIND, ROTATION_CONCURRENCY, ticket_tokens_regenerate
from utils.jobs.status import job_find, job_status_text
from utils.management.base import JobCommand, positive_int


class Command(JobCommand):
    help = (
        "Give every ticket a new token in checkpointed batches, recording the old tokens"
        " as revoked. Several processes may run it with --resume to share the work."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_job_arguments(parser, concurrency=ROTATION_CONCURRENCY)
        parser.add_argument(
            "--status",
            nargs="?",
            const=0,
            type=positive_int,
            metavar="JOB",
            help="print the latest job (or job number JOB) and exit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"] is not None:
            self.show_status(options["status"] or None)
            return
        outcome = ticket_tokens_regenerate(
            batch_size=options["batch_size"],
            concurrency=options["concurrency"],
            lease_seconds=options["lease_seconds"],
            resume=options["resume"],
            abandon=options["abandon"],
        )
        self.report(outcome, noun="tickets rotated")

    def show_status(self, job_id: int | None) -> None:
        job = job_find(kind=REGENERATE_KIND, job_id=job_id)
        self.stdout.write(job_status_text(job=job) if job else f"no {REGENERATE_KIND} job yet")
