"""Common options, one-line errors and reporting for the commands that run batch jobs."""

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from utils.jobs import JobError, Outcome
from utils.seeding import SeedOptions

# Exit status of a run that was stopped by a signal and can be resumed (EX_TEMPFAIL).
EXIT_INTERRUPTED = 75


class _OneLineErrorParser(CommandParser):
    def error(self, message: str) -> Any:
        if self.called_from_command_line:
            self.exit(2, f"{self.prog}: error: {message}\n")
        raise CommandError(f"Error: {message}")


def positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {raw!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {raw!r}")
    return value


def ratio(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {raw!r}")
    return value


class JobCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except JobError as exc:
            raise CommandError(str(exc)) from exc

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Bad arguments get one line, not the usage text of every Django option.
        parser.__class__ = _OneLineErrorParser
        return parser

    def add_job_arguments(self, parser: CommandParser, *, concurrency: int = 2) -> None:
        parser.add_argument("--batch-size", type=positive_int, help="rows per batch (default 1000)")
        parser.add_argument(
            "--concurrency",
            type=positive_int,
            default=concurrency,
            help=f"worker threads, one database connection each (default {concurrency})",
        )
        parser.add_argument(
            "--lease-seconds",
            type=positive_int,
            default=30,
            help="how long a claimed batch stays reserved for its worker (default 30)",
        )
        parser.add_argument(
            "--resume", action="store_true", help="continue the unfinished job of this kind"
        )
        parser.add_argument(
            "--abandon",
            action="store_true",
            help="close the unfinished job of this kind and start afresh",
        )

    def report(self, outcome: Outcome, *, noun: str) -> None:
        rate = outcome.rows_this_run / outcome.elapsed if outcome.elapsed else 0.0
        self.stdout.write(
            f"{outcome.kind} job #{outcome.job_id} {outcome.status}: {outcome.done:,}"
            f"/{outcome.total:,} {noun}; this run {outcome.rows_this_run:,} in"
            f" {outcome.elapsed:.1f}s ({rate:,.0f}/s)"
        )
        if outcome.status == "interrupted":
            resume = f"python manage.py {outcome.kind} --resume"
            raise CommandError(f"interrupted; finish with: {resume}", returncode=EXIT_INTERRUPTED)


class SeedCommand(JobCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--count", type=positive_int, help="how many to create (optional with --resume)"
        )
        parser.add_argument(
            "--seed", type=int, help="random seed for reproducible data (default: random)"
        )
        self.add_job_arguments(parser)

    def seed_options(self, options: dict[str, Any]) -> SeedOptions:
        return SeedOptions(
            count=options["count"],
            seed=options["seed"],
            batch_size=options["batch_size"],
            resume=options["resume"],
            abandon=options["abandon"],
            concurrency=options["concurrency"],
            lease_seconds=options["lease_seconds"],
        )
