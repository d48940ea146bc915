from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from utils.management.base import OneLineCommand, positive_int
from vouchers.management.commands.import_vouchers import source_name
from vouchers.services import DEFAULT_SOURCE, VouchersExport, vouchers_export


class Command(OneLineCommand):
    help = (
        "Write DIR/vouchers.csv (customer_id, order_id, [barcodes]) for a source, and print"
        " its top customers and its unused barcodes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output-dir", type=Path, required=True, metavar="DIR")
        parser.add_argument(
            "--source",
            type=source_name,
            default=DEFAULT_SOURCE,
            help=f"whose ids (default {DEFAULT_SOURCE})",
        )
        parser.add_argument(
            "--top", type=positive_int, default=5, help="top customers to print (default 5)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        export = vouchers_export(
            source=options["source"], folder=options["output_dir"], top=options["top"]
        )
        self.stderr.write(f"{export.vouchers:,} vouchers written to {export.path}")
        print_figures(self.stdout.write, export, top=options["top"])


def print_figures(write: Callable[[str], Any], export: VouchersExport, *, top: int) -> None:
    """The original tool's output: the top customers, then the unused barcodes."""
    write(f"Top {top} customers:")
    for customer, tickets in export.top:
        write(f"{customer}, {tickets}")
    write(f"Unused barcodes: {export.unused}")
