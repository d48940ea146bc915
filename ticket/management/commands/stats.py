from typing import Any

from ticket.selectors import stats_summary
from utils.management.base import OneLineCommand


class Command(OneLineCommand):
    help = "Print how many customers, orders and tickets there are."

    def handle(self, *args: Any, **options: Any) -> None:
        stats = stats_summary()
        self.stdout.write(
            f"customers {stats.customers:,}\norders    {stats.orders:,}\n"
            f"tickets   {stats.tickets:,} ({stats.tickets - stats.unsold:,} sold,"
            f" {stats.unsold:,} unsold)"
        )
