import logging
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from utils.jobs import RunOptions
from utils.management.base import EXIT_INTERRUPTED, OneLineCommand
from vouchers.management.commands.export_vouchers import print_figures
from vouchers.management.commands.import_vouchers import summarise
from vouchers.services import DEFAULT_SOURCE, vouchers_export, vouchers_import

TOP = 5


class Command(OneLineCommand):
    help = (
        "The tiqets-vouchers tool: import orders and barcodes for the tiqets source, then"
        " write the vouchers file and print the top customers and the unused barcodes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders-file", type=Path, default=Path("data/orders.csv"))
        parser.add_argument("--barcodes-file", type=Path, default=Path("data/barcodes.csv"))
        parser.add_argument("--output-dir", type=Path, default=Path("output"))
        parser.add_argument("--debug", action="store_true", help="log at debug level")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["debug"]:
            logging.getLogger().setLevel(logging.DEBUG)
        summary = vouchers_import(
            orders=options["orders_file"],
            barcodes=options["barcodes_file"],
            source=DEFAULT_SOURCE,
            report=self.stderr.write,
            options=RunOptions(),
        )
        if summary.outcome.status != "completed":
            raise CommandError(
                f"the import was {summary.outcome.status}; run again to finish it",
                returncode=EXIT_INTERRUPTED,
            )
        summarise(self.stderr.write, summary)
        export = vouchers_export(source=DEFAULT_SOURCE, folder=options["output_dir"], top=TOP)
        print_figures(self.stdout.write, export, top=TOP)
