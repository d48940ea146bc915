"""Real subprocesses and real signals: an interrupted import finishes on a rerun, each row
imported once."""

import os
import signal
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import signal_after_batches
from tests.vouchers.conftest import write
from ticket.models import Ticket
from utils.management.base import EXIT_INTERRUPTED
from utils.models import Chunk, Job
from vouchers.models import ImportedOrder

pytestmark = pytest.mark.django_db(transaction=True)

ORDERS, BARCODES = 3_000, 12_000


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    orders = "".join(f"{order},{order % 97 + 1}\n" for order in range(1, ORDERS + 1))
    barcodes = "".join(
        f"TQ{number:08d},{'' if number % 10 == 0 else number % ORDERS + 1}\n"
        for number in range(BARCODES)
    )
    paths = write(tmp_path, "order_id,customer_id\n" + orders, "barcode,order_id\n" + barcodes)
    return f"--orders-file={paths[0]}", f"--barcodes-file={paths[1]}"


def imported() -> dict[str, int | None]:
    """Each ticket's barcode and the reseller's id of its order."""
    orders = dict(ImportedOrder.objects.values_list("order", "external_id"))
    tickets = Ticket.objects.values_list("barcode", "order")
    return {barcode: orders[order] if order else None for barcode, order in tickets}


def expected() -> dict[str, int | None]:
    return {
        f"TQ{number:08d}": None if number % 10 == 0 else number % ORDERS + 1
        for number in range(BARCODES)
    }


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT])
def test_a_rerun_after_an_interruption_imports_each_row_once(
    files: tuple[str, str], spawn, manage, signum: int
) -> None:
    process = spawn("import_vouchers", *files)
    signal_after_batches(process, 4, signum)
    assert process.returncode in (-signal.SIGKILL, EXIT_INTERRUPTED)
    assert Ticket.objects.count() < BARCODES

    result = manage("import_vouchers", *files)

    assert result.returncode == 0, result.stderr
    assert imported() == expected()
    assert Ticket.objects.values("token").distinct().count() == BARCODES
    assert ImportedOrder.objects.count() == ORDERS
    assert Job.objects.get(kind="import_vouchers").status == Job.Status.COMPLETED


def test_other_files_are_refused_while_an_import_is_unfinished(
    files: tuple[str, str], tmp_path: Path, spawn, manage
) -> None:
    signal_after_batches(spawn("import_vouchers", *files), 2, signal.SIGKILL)
    folder = tmp_path / "other"
    folder.mkdir()
    other = write(folder, "order_id,customer_id\n1,1\n", "barcode,order_id\nX,1\n")
    refused = manage("import_vouchers", f"--orders-file={other[0]}", f"--barcodes-file={other[1]}")
    assert refused.returncode == 1
    assert f"of {files[0].partition('=')[2]} and {files[1].partition('=')[2]}" in refused.stderr
    assert "--abandon" in refused.stderr


def test_an_import_running_in_another_process_is_refused_and_left_running(
    files: tuple[str, str], spawn, manage
) -> None:
    signal_after_batches(spawn("import_vouchers", *files), 2, signal.SIGKILL)
    job = Job.objects.get(kind="import_vouchers")
    alive = f"{socket.gethostname()}:{os.getpid()}:x"  # this test's process, alive
    pending = job.chunks.filter(state="pending").order_by("seq")
    Chunk.objects.filter(pk=pending[0].pk).update(
        lease_owner=alive, lease_until=timezone.now() + timedelta(hours=1)
    )
    refused = manage("import_vouchers", *files)
    assert refused.returncode == 1
    assert "is running in another process" in refused.stderr
    job.refresh_from_db()
    assert job.status != Job.Status.FAILED


def test_an_interrupted_import_says_to_run_it_again_and_counts_nothing_yet(
    files: tuple[str, str], spawn
) -> None:
    process = spawn("import_vouchers", *files)
    output = signal_after_batches(process, 2, signal.SIGINT)
    assert process.returncode == EXIT_INTERRUPTED
    assert "finish with: the same command again" in output
    assert "accepted" not in output
