import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command

ORDERS = """\ufefforder_id,customer_id\r
1,10\r
2,10\r
3,20\r
 2 , 30 \r
x,1\r
4,40\r
\r
5,50\r
"""
# AAA repeats a sold barcode, CCC an unsold one (the unsold copy first); EEE names no order;
# order 4 gets no barcode.
BARCODES = """barcode,order_id
AAA,1
BBB,1
CCC,
DDD,3
AAA,2
EEE,99
FF F,3
GGG,2
CCC,3
"""


@dataclass(frozen=True)
class Run:
    stdout: str
    stderr: str


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path, ORDERS, BARCODES)


def write(folder: Path, orders: str, barcodes: str) -> tuple[Path, Path]:
    (folder / "orders.csv").write_text(orders, encoding="utf-8", newline="")
    (folder / "barcodes.csv").write_text(barcodes, encoding="utf-8", newline="")
    return folder / "orders.csv", folder / "barcodes.csv"


def import_files(orders: Path, barcodes: Path, *options: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_vouchers",
        f"--orders-file={orders}",
        f"--barcodes-file={barcodes}",
        *options,
        stdout=out,
        stderr=err,
    )
    return Run(out.getvalue(), err.getvalue())
