import io
import os
import socket
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import ROOT, mysql_only
from tests.vouchers.conftest import import_files, write
from vouchers import selectors
from vouchers.exports import vouchers_write

pytestmark = pytest.mark.django_db(transaction=True)

ORDERS = "order_id,customer_id\n10,9\n2,10\n1,10\n3,9\n7,11\n"
BARCODES = "barcode,order_id\nB2,10\nA1,2\nC3,10\nD4,1\nE5,\nF6,3\nG7,\n"


def export(folder: Path, *options: str) -> tuple[list[str], str]:
    out = io.StringIO()
    call_command(
        "export_vouchers", f"--output-dir={folder}", *options, stdout=out, stderr=io.StringIO()
    )
    return (folder / "vouchers.csv").read_text().splitlines(), out.getvalue()


def test_vouchers_are_sorted_by_customer_then_order_as_integers(tmp_path: Path) -> None:
    import_files(*write(tmp_path, ORDERS, BARCODES))
    lines, _ = export(tmp_path / "out")
    assert lines == [
        "9, 3, [F6]",
        "9, 10, [B2, C3]",
        "10, 1, [D4]",
        "10, 2, [A1]",
    ]


def test_an_order_split_across_fetches_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_files(*write(tmp_path, ORDERS, BARCODES))
    whole, _ = export(tmp_path / "whole")
    monkeypatch.setattr(selectors, "FETCH_ROWS", 1)
    assert export(tmp_path / "fetched")[0] == whole


@mysql_only
def test_an_order_longer_than_the_database_joins_is_exported_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GROUP_CONCAT returns at most max_allowed_packet bytes (16 MiB: about 900,000 barcodes);
    here a limit of 3 cuts order 10's "B2, C3"."""
    import_files(*write(tmp_path, ORDERS, BARCODES))
    monkeypatch.setattr(selectors, "JOIN_LIMIT", "3")
    lines, printed = export(tmp_path / "out")
    assert lines == ["9, 3, [F6]", "9, 10, [B2, C3]", "10, 1, [D4]", "10, 2, [A1]"]
    assert printed == "Top 5 customers:\n9, 3\n10, 2\nUnused barcodes: 2\n"


def test_top_customers_break_ties_by_id_then_the_unused_barcodes(tmp_path: Path) -> None:
    import_files(*write(tmp_path, ORDERS, BARCODES))
    _, printed = export(tmp_path / "out", "--top=1")
    assert printed == "Top 1 customers:\n9, 3\nUnused barcodes: 2\n"
    _, printed = export(tmp_path / "out")
    assert printed == "Top 5 customers:\n9, 3\n10, 2\nUnused barcodes: 2\n"


def test_an_output_dir_that_is_a_file_is_refused_in_one_line(tmp_path: Path) -> None:
    import_files(*write(tmp_path, ORDERS, BARCODES))
    (tmp_path / "taken").write_text("")
    with pytest.raises(CommandError, match="cannot write the vouchers there"):
        export(tmp_path / "taken")


def test_the_original_tool_runs_the_sample_with_every_fault(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "tiqets_vouchers",
        f"--orders-file={ROOT / 'data/orders.csv'}",
        f"--barcodes-file={ROOT / 'data/barcodes.csv'}",
        f"--output-dir={tmp_path}",
        stdout=out,
        stderr=err,
    )
    for reason in [
        "order_id 3 repeats line 4",
        "order_id '0' is not a whole number",
        "customer_id '' is not a whole number",
        "2 fields expected, found 1",
        "2 fields expected, found 3",
        "repeats line 2",
        "repeats line 51",
        "the barcode is empty",
        "the barcode is over 32 characters",
        "the barcode holds whitespace",
        "order_id 'x7' is not a whole number",
        "order 99 is neither in the orders file nor imported before",
        "order 20 has no barcodes",
    ]:
        assert reason in err.getvalue()
    printed = out.getvalue().splitlines()
    assert printed[0] == "Top 5 customers:"
    assert printed[-1] == "Unused barcodes: 6"
    assert len((tmp_path / "vouchers.csv").read_text().splitlines()) == 19


def test_the_exit_status_is_0_with_rejections_and_1_when_a_file_is_missing(
    tmp_path: Path, manage
) -> None:
    completed = manage("tiqets_vouchers", f"--output-dir={tmp_path}")
    assert completed.returncode == 0, completed.stderr
    missing = manage("tiqets_vouchers", f"--orders-file={tmp_path}/none.csv")
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines()[-1].endswith("none.csv: no such file")


def test_the_console_command_takes_the_original_tools_options(
    tmp_path: Path, command_env: dict[str, str]
) -> None:
    command = [str(Path(sys.executable).parent / "tiqets-vouchers"), f"--output-dir={tmp_path}"]
    completed = subprocess.run(
        command, cwd=ROOT, env=command_env, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines()[0] == "Top 5 customers:"
    assert (tmp_path / "vouchers.csv").exists()


def test_tied_customers_rank_by_the_lower_id_and_only_the_top_are_kept(tmp_path: Path) -> None:
    orders = "order_id,customer_id\n1,5\n2,3\n3,8\n4,4\n"
    barcodes = "barcode,order_id\nA,1\nB,1\nC,2\nD,2\nE,3\nF,4\n"
    import_files(*write(tmp_path, orders, barcodes))
    _, printed = export(tmp_path / "out", "--top=3")
    assert printed == "Top 3 customers:\n3, 2\n5, 2\n4, 1\nUnused barcodes: 0\n"


def test_debug_logs_each_batch(tmp_path: Path, manage) -> None:
    completed = manage("tiqets_vouchers", f"--output-dir={tmp_path}", "--debug")
    assert completed.returncode == 0, completed.stderr
    assert "data/barcodes.csv: lines 2 to 67, 10 rejected" in completed.stderr
    assert "lines 2 to" not in manage("tiqets_vouchers", f"--output-dir={tmp_path}").stderr


def test_a_source_with_nothing_imported_is_refused_and_the_last_file_kept(tmp_path: Path) -> None:
    import_files(*write(tmp_path, ORDERS, BARCODES))
    lines, _ = export(tmp_path / "out")
    with pytest.raises(CommandError, match="nothing was imported for source 'typo'"):
        export(tmp_path / "out", "--source=typo")
    assert (tmp_path / "out" / "vouchers.csv").read_text().splitlines() == lines


def test_a_bad_source_is_a_bad_argument(manage, tmp_path: Path) -> None:
    completed = manage("export_vouchers", f"--output-dir={tmp_path}", "--source=Bad Name")
    assert completed.returncode == 2
    assert "a source is 1 to 32" in completed.stderr


def test_a_long_orders_barcodes_are_written_as_they_come_not_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An order of a million barcodes took 290 MiB when they were all held at once. Here the
    rows path (SQLite's, and MySQL's for an order longer than it joins) writes one of 20,000
    in pieces of 100: it holds little more than one of 2,000 does."""
    monkeypatch.setattr(selectors, "FETCH_ROWS", 100)
    monkeypatch.setattr(selectors, "JOIN_LIMIT", "3")

    def peak(barcodes: int, source: str) -> int:
        lines = "".join(f"LONG{source}{number:08d},1\n" for number in range(barcodes))
        (tmp_path / source).mkdir()
        files = write(
            tmp_path / source, "order_id,customer_id\n1,1\n", "barcode,order_id\n" + lines
        )
        import_files(*files, f"--source={source}")
        tracemalloc.start()
        try:
            vouchers_write(source=source, folder=tmp_path / f"out-{source}", top=5)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    short, long = peak(2_000, "short"), peak(20_000, "long")
    assert long < short * 1.5, (short, long)
    written = (tmp_path / "out-long" / "vouchers.csv").read_text()
    assert written.startswith("1, 1, [LONGlong00000000, LONGlong00000001, ")
    assert written.endswith(", LONGlong00019999]\n")
    assert written.count(", ") == 2 + 19_999


def test_an_export_removes_what_a_killed_export_of_this_host_left_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    import_files(*write(tmp_path, ORDERS, BARCODES))
    folder = tmp_path / "out"
    folder.mkdir()
    dead = int(
        subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    host = socket.gethostname()
    left = folder / f".vouchers.csv.{host}.{dead}.partial"
    running = folder / f".vouchers.csv.{host}.{os.getppid()}.partial"
    elsewhere = folder / f".vouchers.csv.other-host.{dead}.partial"
    for path in (left, running, elsewhere):
        path.write_text("9, 3, [F")
    export(folder)
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        ["vouchers.csv", running.name, elsewhere.name]
    )
