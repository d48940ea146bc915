import pytest
from django.db import connection

from tests.factories import TicketFactory
from ticket.models import Ticket
from utils.counts import RowCount, rows_count

pytestmark = pytest.mark.django_db


def test_small_results_are_counted_exactly() -> None:
    TicketFactory.create_batch(3)
    assert rows_count(queryset=Ticket.objects.all()) == RowCount(value=3, exact=True)
    assert str(RowCount(value=1234, exact=True)) == "1,234"


def test_results_over_the_cap_are_the_engines_estimate() -> None:
    TicketFactory.create_batch(6)
    count = rows_count(queryset=Ticket.objects.all(), exact_up_to=5)
    # MySQL/MariaDB estimate; SQLite has no estimate and counts.
    assert count.exact == (connection.vendor != "mysql")
    assert count.value >= 6
    assert str(RowCount(value=1234, exact=False)) == "≈ 1,234"
