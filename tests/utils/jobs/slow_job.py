"""A job command whose chunks take --delay seconds each, started the way manage.py starts
every command (same signal handling, same one-line errors):

    python -m tests.utils.jobs.slow_job --rows 6 --delay 1.2 --batch-size 1 [--resume] ...

Row n becomes a ticket with barcode `slow-n`: the unique barcode index fails the run if a row
is ever done twice, and the tickets show which rows were done.
"""

import time
from typing import Any

KIND = "slow"


def barcode(n: int) -> str:
    return f"slow-{n}"


def _command() -> Any:
    from django.core.management.base import CommandParser

    from ticket.models import Ticket
    from utils.jobs import JobDraft, job_run
    from utils.jobs.claims import Claimed
    from utils.management.base import JobCommand

    class Command(JobCommand):
        kind = KIND

        def add_arguments(self, parser: CommandParser) -> None:
            super().add_arguments(parser)
            parser.add_argument("--rows", type=int, default=6)
            parser.add_argument("--delay", type=float, default=1.0)

        def run_job(self, options: dict[str, Any]) -> None:
            rows, delay = options["rows"], options["delay"]

            def work(chunk: Claimed) -> int:
                time.sleep(delay)  # the slow part: a chunk that takes longer than a lease
                Ticket.objects.bulk_create(
                    Ticket(barcode=barcode(n)) for n in range(chunk.lo, chunk.hi)
                )
                return chunk.hi - chunk.lo

            outcome = job_run(
                kind=KIND,
                options=self.run_options(options),
                draft=lambda: JobDraft(params={}, scope_lo=0, scope_hi=rows, total=rows),
                requested={},
                work_for=lambda job: work,
            )
            self.report(outcome, noun="rows")

    return Command()


def _run(argv: list[str]) -> None:
    import django

    django.setup()
    _command().run_from_argv(["manage.py", KIND, *argv[1:]])


if __name__ == "__main__":
    from manage import main

    main(run=_run)
