import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from utils.jobs import JobError
from utils.management.base import EXIT_BAD_ARGUMENTS, JobCommand
from vouchers.services import (
    DEFAULT_SOURCE,
    IMPORT_KIND,
    ImportSummary,
    source_check,
    vouchers_import,
)


class Command(JobCommand):
    help = (
        "Import a reseller's orders.csv and barcodes.csv: validated, streamed in batches of"
        " 1000 lines, resumable. Rejected rows are reported on stderr with file and line."
    )
    kind = IMPORT_KIND
    tunable = False
    resume_hint = "the same command again"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--orders-file", type=Path, help="order_id,customer_id")
        parser.add_argument("--barcodes-file", type=Path, help="barcode,order_id")
        parser.add_argument(
            "--source",
            type=source_name,
            default=DEFAULT_SOURCE,
            help=f"whose ids (default {DEFAULT_SOURCE})",
        )

    def run_job(self, options: dict[str, Any]) -> None:
        if not options["orders_file"] or not options["barcodes_file"]:
            raise CommandError(
                "--orders-file and --barcodes-file are required", returncode=EXIT_BAD_ARGUMENTS
            )
        summary = vouchers_import(
            orders=options["orders_file"],
            barcodes=options["barcodes_file"],
            source=options["source"],
            report=self.stderr.write,
            options=self.run_options(options),
        )
        if summary.outcome.status == "completed":
            summarise(self.stderr.write, summary)
        self.report(summary.outcome, noun="lines")


def source_name(raw: str) -> str:
    """An argument type: a bad source is a bad argument (exit 2)."""
    try:
        source_check(raw)
    except JobError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return raw


def summarise(write: Callable[[str], Any], summary: ImportSummary) -> None:
    """The counts that end an import."""
    for name, rows, accepted in (
        ("orders", summary.orders, summary.orders_accepted),
        ("barcodes", summary.barcodes, summary.barcodes_accepted),
    ):
        write(f"{name}: {rows:,} rows, {accepted:,} accepted, {rows - accepted:,} rejected")
