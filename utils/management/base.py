"""Common options, one-line errors and reporting for the commands that run batch jobs."""

import argparse
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from utils.interrupts import Interrupted
from utils.jobs import JobError, Outcome, RunOptions
from utils.jobs.limits import MAX_BATCH_SIZE, MAX_CONCURRENCY
from utils.jobs.selectors import job_find
from utils.jobs.status import job_status_text
from utils.seeding import MAX_COUNT, SeedOptions

# Exit status of a run that was stopped by a signal and can be resumed (EX_TEMPFAIL).
EXIT_INTERRUPTED = 75
EXIT_BAD_ARGUMENTS = 2
MAX_LEASE_SECONDS = 24 * 3600
MAX_SEED = 2**63 - 1


# Django's own options, which --status leaves alone.
DJANGO_OPTIONS = {
    "help",
    "version",
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
}


class _OneLineErrorParser(CommandParser):
    def error(self, message: str) -> Any:
        if self.called_from_command_line:
            self.exit(EXIT_BAD_ARGUMENTS, f"{self.prog}: error: {message}\n")
        raise CommandError(f"Error: {message}")


class OneLineCommand(BaseCommand):
    """Bad arguments get one line, not the usage text of every Django option; so does a
    JobError (a state the operator can fix)."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except JobError as exc:
            raise CommandError(str(exc)) from exc

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = _OneLineErrorParser
        self.defaults = {action.dest: action.default for action in parser._actions}
        return parser


def int_between(lowest: int, highest: int | None = None) -> Callable[[str], int]:
    """An argument type: a whole number in plain ASCII digits (not " 5", "5_0" or a
    full-width digit, which int() would take), from `lowest` to `highest`."""
    wanted = "a positive integer" if lowest == 1 else f"a whole number from {lowest}"

    def parse(raw: str) -> int:
        value = int(raw) if raw.isascii() and raw.isdigit() else lowest - 1
        if value < lowest:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {raw!r}")
        if highest is not None and value > highest:
            raise argparse.ArgumentTypeError(f"expected at most {highest:,}, got {raw!r}")
        return value

    return parse


positive_int = int_between(1)


def ratio(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {raw!r}")
    return value


class JobCommand(OneLineCommand):
    """A command that runs a job of kind `kind`; subclasses implement run_job."""

    kind: str
    default_concurrency = 2
    # False for jobs whose batches are fixed and done in order by one worker (imports).
    tunable = True
    resume_hint: str | None = None

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except Interrupted as exc:  # before the job opened: its opening rolled back
            raise CommandError(
                f"{exc} before the job started: nothing was changed", returncode=exc.exit_code
            ) from exc

    def add_arguments(self, parser: CommandParser) -> None:
        if self.tunable:
            self._tuning_arguments(parser)
        parser.add_argument(
            "--lease-seconds",
            type=int_between(1, MAX_LEASE_SECONDS),
            default=30,
            help="how long a claimed batch stays reserved for a worker that has not started it"
            " (default 30)",
        )
        once = parser.add_mutually_exclusive_group()
        once.add_argument(
            "--resume", action="store_true", help="continue the unfinished job of this kind"
        )
        once.add_argument(
            "--abandon",
            action="store_true",
            help="close the unfinished job of this kind and start afresh",
        )
        once.add_argument(
            "--status",
            nargs="?",
            const=0,
            type=positive_int,
            metavar="JOB",
            help="print the latest job of this kind (or job number JOB) and exit",
        )

    def _tuning_arguments(self, parser: CommandParser) -> None:
        concurrency = self.default_concurrency
        parser.add_argument(
            "--batch-size",
            type=int_between(1, MAX_BATCH_SIZE),
            help=f"rows per batch, each one transaction (default 1000, at most {MAX_BATCH_SIZE:,});"
            " with --resume, re-cuts the batches still to do",
        )
        parser.add_argument(
            "--concurrency",
            type=int_between(1, MAX_CONCURRENCY),
            default=concurrency,
            help=f"worker threads, one database connection each (default {concurrency})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"] is None:
            self.run_job(options)
            return
        others = [
            f"--{name.replace('_', '-')}"
            for name, default in self.defaults.items()
            if name not in DJANGO_OPTIONS | {"status"} and options.get(name) != default
        ]
        if others:
            raise CommandError(
                f"--status takes no other options, got {', '.join(others)}",
                returncode=EXIT_BAD_ARGUMENTS,
            )
        job = job_find(kind=self.kind, job_id=options["status"] or None)
        if job is None and options["status"]:
            raise CommandError(f"there is no {self.kind} job #{options['status']}")
        self.stdout.write(job_status_text(job=job) if job else f"no {self.kind} job yet")

    def run_job(self, options: dict[str, Any]) -> None:
        raise NotImplementedError

    def run_options(self, options: dict[str, Any]) -> RunOptions:
        return RunOptions(
            batch_size=options.get("batch_size"),
            concurrency=options.get("concurrency", 1),
            lease_seconds=options["lease_seconds"],
            resume=options["resume"],
            abandon=options["abandon"],
        )

    def report(self, outcome: Outcome, *, noun: str) -> None:
        rate = outcome.rows_this_run / outcome.elapsed if outcome.elapsed else 0.0
        self.stdout.write(
            f"{outcome.kind} job #{outcome.job_id} {outcome.status}: {outcome.done:,}"
            f"/{outcome.total:,} {noun}; this run {outcome.rows_this_run:,} in"
            f" {outcome.elapsed:.1f}s ({rate:,.0f}/s)"
        )
        if outcome.status == "interrupted":
            resume = self.resume_hint or f"python manage.py {outcome.kind} --resume"
            raise CommandError(f"interrupted; finish with: {resume}", returncode=EXIT_INTERRUPTED)
        if outcome.status == "abandoned":
            raise CommandError(
                f"job #{outcome.job_id} was abandoned by another process; this one stopped"
            )


class SeedCommand(JobCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--count",
            type=int_between(1, MAX_COUNT),
            help="how many to create (optional with --resume)",
        )
        parser.add_argument(
            "--seed",
            type=int_between(0, MAX_SEED),
            help="random seed for reproducible data (default: random)",
        )

    def seed_options(self, options: dict[str, Any]) -> SeedOptions:
        if options["count"] is None and not options["resume"]:
            raise CommandError(
                "--count is required, unless --resume finishes an unfinished job",
                returncode=EXIT_BAD_ARGUMENTS,
            )
        return SeedOptions(
            count=options["count"], seed=options["seed"], run=self.run_options(options)
        )
