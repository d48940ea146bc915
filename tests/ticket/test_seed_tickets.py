import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from order.models import Order
from tests.factories import OrderFactory
from ticket.models import Ticket
from user.models import User
from utils.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


def seed_customers_and_orders() -> None:
    call_command("seed_users", count=20, seed=1)
    call_command("seed_orders", count=50, seed=1)


def barcode_orders() -> dict[str, int | None]:
    return dict(Ticket.objects.values_list("barcode", "order_id"))


def test_seeds_exact_count_with_unique_barcodes_and_tokens() -> None:
    seed_customers_and_orders()
    call_command("seed_tickets", count=2500, seed=3, batch_size=100)
    assert Ticket.objects.count() == 2500
    assert Ticket.objects.values("barcode").distinct().count() == 2500
    assert Ticket.objects.values("token").distinct().count() == 2500


def test_timestamps_come_from_the_database_in_utc() -> None:
    seed_customers_and_orders()
    call_command("seed_tickets", count=10, seed=3)
    ticket = Ticket.objects.earliest("pk")
    assert abs(ticket.created_at - timezone.now()) < datetime.timedelta(minutes=1)
    assert ticket.updated_at == ticket.created_at


def test_leaves_the_requested_share_unsold_and_spreads_the_rest_over_orders() -> None:
    seed_customers_and_orders()
    call_command("seed_tickets", count=4000, seed=3, unsold_ratio=0.25)
    unsold = Ticket.objects.filter(order__isnull=True).count()
    assert 800 < unsold < 1200
    used_orders = Ticket.objects.exclude(order=None).values("order").distinct().count()
    assert used_orders == Order.objects.count()


def test_without_orders_refuses_and_changes_nothing() -> None:
    with pytest.raises(CommandError, match="no orders yet: run seed_orders first"):
        call_command("seed_tickets", count=10)
    assert not Ticket.objects.exists()
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("0", "expected a positive integer, got '0'"),
        ("-5", "expected a positive integer, got '-5'"),
        ("ten", "expected a positive integer, got 'ten'"),
        ("1.5", "expected a positive integer, got '1.5'"),
        ("1000000000000", "expected at most 1,000,000,000, got '1000000000000'"),
        (" 5", "expected a positive integer, got ' 5'"),
        ("5_0", "expected a positive integer, got '5_0'"),
        ("\uff19", "expected a positive integer, got '\uff19'"),
    ],
)
def test_bad_count_is_one_line_error_and_changes_nothing(manage, count: str, message) -> None:
    OrderFactory.create()
    result = manage("seed_tickets", f"--count={count}")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert f"--count: {message}" in result.stderr
    assert not Ticket.objects.exists()
    assert not Job.objects.exists()


@pytest.mark.parametrize("command", ["seed_users", "seed_orders", "seed_tickets"])
def test_count_is_required_unless_resuming(manage, command: str) -> None:
    result = manage(command)
    assert result.returncode == 2
    assert result.stderr == (
        "CommandError: --count is required, unless --resume finishes an unfinished job\n"
    )
    assert not Job.objects.exists()


def test_status_shows_the_latest_job_or_the_one_asked_for(manage) -> None:
    seed_customers_and_orders()
    call_command("seed_tickets", count=10, seed=3)
    call_command("seed_tickets", count=20, seed=3)
    first, second = Job.objects.filter(kind="seed_tickets").order_by("pk")

    latest = manage("seed_tickets", "--status")
    asked = manage("seed_tickets", f"--status={first.pk}")
    missing = manage("seed_users", "--status=999")

    assert latest.stdout.startswith(f"seed_tickets job #{second.pk}: completed\n")
    assert "done      20/20 (100.0%)" in latest.stdout
    assert asked.stdout.startswith(f"seed_tickets job #{first.pk}: completed\n")
    assert (missing.returncode, missing.stderr) == (
        1,
        "CommandError: there is no seed_users job #999\n",
    )


def test_bad_unsold_ratio_is_one_line_error(manage) -> None:
    result = manage("seed_tickets", "--count=5", "--unsold-ratio=1.5")
    assert result.returncode == 2
    assert result.stderr.strip().endswith("expected a number from 0 to 1, got '1.5'")


def test_missing_prerequisite_exits_non_zero_with_one_line(manage) -> None:
    result = manage("seed_orders", "--count=5")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "CommandError: there are no customers yet: run seed_users first"
    )
    assert not User.objects.exists()


def test_status_takes_no_other_options(manage) -> None:
    result = manage("seed_tickets", "--status", "--count=5", "--batch-size=5")
    assert result.returncode == 2
    assert result.stderr == (
        "CommandError: --status takes no other options, got --batch-size, --count\n"
    )


def test_a_seed_beyond_64_bits_is_refused(manage) -> None:
    result = manage("seed_users", "--count=5", f"--seed={2**63}")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--seed: expected at most 9,223,372,036,854,775,807" in result.stderr
    assert not User.objects.exists()


def test_stats_gets_bad_arguments_in_one_line(manage) -> None:
    result = manage("stats", "--bogus")
    assert result.returncode == 2
    assert result.stderr == "manage.py stats: error: unrecognized arguments: --bogus\n"
