"""The `tiqets-vouchers` console command: `manage.py tiqets_vouchers`, with the same options
and the same handling of `.env`, signals and one-line errors."""

from django.core.management import execute_from_command_line

from manage import main as manage_main


def main() -> None:
    manage_main(run=lambda argv: execute_from_command_line([argv[0], "tiqets_vouchers", *argv[1:]]))
