import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vouchers.files import (
    BARCODES_HEADER,
    ORDERS_HEADER,
    BarcodeRow,
    FileRefused,
    Line,
    OrderRow,
    Rejection,
    barcode_row,
    file_scan,
    lines_between,
    order_row,
)


def write(tmp_path: Path, content: bytes, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def orders(path: Path) -> list[OrderRow | Rejection]:
    scan = file_scan(path, ORDERS_HEADER)
    return [order_row(line, file=path.name) for line in lines_between(scan, 0, scan.lines)]


def barcodes(path: Path) -> list[BarcodeRow | Rejection]:
    scan = file_scan(path, BARCODES_HEADER)
    return [barcode_row(line, file=path.name) for line in lines_between(scan, 0, scan.lines)]


def test_a_bom_crlf_padded_blank_lined_file_reads_with_its_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbforder_id , customer_id\r\n 1 ,  10 \r\n\r\n  \r\n2,20")
    assert orders(path) == [
        OrderRow(line=2, order_id=1, customer_id=10),
        OrderRow(line=5, order_id=2, customer_id=20),
    ]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("1", "2 fields expected, found 1"),
        ("1,2,3", "2 fields expected, found 3"),
        ("x,2", "order_id 'x' is not a whole number"),
        ("0,2", "order_id '0' is not a whole number"),
        ("-1,2", "order_id '-1' is not a whole number"),
        ("1.5,2", "order_id '1.5' is not a whole number"),
        ("9223372036854775808,2", "order_id '9223372036854775808' is not a whole number"),
        ("1,", "customer_id '' is not a whole number"),
        ("1,²", "customer_id '²' is not a whole number"),
    ],
)
def test_each_bad_order_row_is_rejected_with_its_line_and_reason(
    tmp_path: Path, row: str, reason: str
) -> None:
    path = write(tmp_path, f"order_id,customer_id\n{row}\n".encode())
    [rejection] = orders(path)
    assert isinstance(rejection, Rejection)
    assert (rejection.file, rejection.line) == ("orders.csv", 2)
    assert rejection.reason.startswith(reason)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",1", "the barcode is empty"),
        ("A" * 33 + ",1", "the barcode is over 32 characters"),
        ('"AB CD",1', "the barcode holds whitespace"),
        ("ABC,x", "order_id 'x' is not a whole number"),
        ("ABC,1,2", "2 fields expected, found 3"),
    ],
)
def test_each_bad_barcode_row_is_rejected_with_its_reason(
    tmp_path: Path, row: str, reason: str
) -> None:
    path = write(tmp_path, f"barcode,order_id\n{row}\n".encode(), "barcodes.csv")
    [rejection] = barcodes(path)
    assert isinstance(rejection, Rejection)
    assert rejection.reason.startswith(reason)
    assert str(rejection).startswith("barcodes.csv:2: ")


def test_a_barcode_without_an_order_is_unsold(tmp_path: Path) -> None:
    path = write(tmp_path, b"barcode,order_id\nAB-1, \nAB-2,7\n", "barcodes.csv")
    assert barcodes(path) == [
        BarcodeRow(line=2, barcode="AB-1", order_id=None),
        BarcodeRow(line=3, barcode="AB-2", order_id=7),
    ]


def test_any_range_of_lines_reads_as_the_same_lines_of_the_whole(tmp_path: Path) -> None:
    rows = "".join(f"{n},{n}\r\n" if n % 7 else "\r\n" for n in range(1, 2500))
    path = write(tmp_path, f"order_id,customer_id\r\n{rows}".encode())
    scan = file_scan(path, ORDERS_HEADER)
    whole = list(lines_between(scan, 0, scan.lines))
    assert scan.lines == 2499
    assert len(scan.marks) == 3
    for lo, hi in [(0, 1), (999, 1001), (1000, 2000), (1234, 2499)]:
        assert list(lines_between(scan, lo, hi)) == [
            line for line in whole if lo + 2 <= line.number < hi + 2
        ]


def test_a_scan_tells_apart_files_that_differ_by_one_byte(tmp_path: Path) -> None:
    one = file_scan(write(tmp_path, b"order_id,customer_id\n1,2\n", "a.csv"), ORDERS_HEADER)
    other = file_scan(write(tmp_path, b"order_id,customer_id\n1,3\n", "b.csv"), ORDERS_HEADER)
    assert one.digest != other.digest


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"order,customer\n1,2\n",
            "the header must be order_id,customer_id, found 'order,customer'",
        ),
        (b"", "the header must be order_id,customer_id, found nothing"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
        (b"order_id,customer_id\n1,2\n\xff\xfe,3\n", "orders.csv:3: not UTF-8 text"),
        (b"order_id,customer_id\n1,\x002\n", "not a CSV file"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(FileRefused, match=message) as refused:
        orders(path)
    assert "\n" not in str(refused.value)


def test_a_missing_file_and_a_directory_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="no such file"):
        file_scan(tmp_path / "nothing.csv", ORDERS_HEADER)
    with pytest.raises(FileRefused, match="a directory"):
        file_scan(tmp_path, ORDERS_HEADER)


def test_a_line_of_empty_fields_is_a_row_not_a_blank_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"order_id,customer_id\n,\n  \n")
    [rejection] = orders(path)
    assert isinstance(rejection, Rejection)
    assert rejection.line == 2
    assert file_scan(path, ORDERS_HEADER).rows == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"order_id,customer_id\n" + b"1" * 2000 + b",1\n", "orders.csv:2: a line over 1024 bytes"),
        (b"order_id,customer_id\r1,10\r2,11\r", "found 'order_id,customer_id\\r1,10\\r"),
        (b"order_id,customer_id\r1,10\r" * 500, "orders.csv:1: a line over 1024 bytes"),
        (b'order_id,customer_id\n"1\n2",3\n', "orders.csv:2: not CSV"),
    ],
)
def test_a_file_of_another_shape_is_refused_in_a_short_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    with pytest.raises(FileRefused, match=re.escape(message)) as refused:
        orders(write(tmp_path, content))
    assert len(str(refused.value)) < 200


def test_a_pipe_or_a_device_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.csv")
    for path in (tmp_path / "pipe.csv", Path("/dev/zero")):
        with pytest.raises(FileRefused, match="not a regular file"):
            file_scan(path, ORDERS_HEADER)


def test_a_file_changed_since_its_scan_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, b"order_id,customer_id\n1,2\n")
    scan = file_scan(path, ORDERS_HEADER)
    path.write_bytes(b"order_id,customer_id\n1,3\n3,4\n")
    with pytest.raises(FileRefused, match="changed since it was checked"):
        list(lines_between(scan, 0, scan.lines))


@pytest.mark.parametrize("barcode", ['"A,B"', "A[1]", '"A""B"', "A\x01B"])
def test_a_barcode_that_a_voucher_line_cannot_show_is_rejected(
    tmp_path: Path, barcode: str
) -> None:
    path = write(tmp_path, f"barcode,order_id\n{barcode},1\n".encode(), "barcodes.csv")
    [rejection] = barcodes(path)
    assert isinstance(rejection, Rejection)
    assert "which a voucher cannot show" in rejection.reason


# Fields as a reseller might write them: digits with and without leading zeros or out of
# range, barcodes of printable ASCII and a little else (no quote: spaces before one change
# what it means).
NUMBERS = st.one_of(st.integers(0, 2**64).map(str), st.from_regex(r"0*[0-9]{1,20}", fullmatch=True))
PRINTABLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='"')
BARCODES = st.text(PRINTABLE | st.sampled_from("é\t"))


ENDS = st.sampled_from(["\n", "\r\n", ""])


def plain_and_padded(
    parse: Callable[..., object], first: str, second: str, end: str
) -> tuple[object, object]:
    """A line read as it stands and with spaces around its fields: a padded line takes every
    rule in turn, a plain one may be read at once."""
    plain, padded = (f"{first},{second}{end}", f" {first} , {second} {end}")
    read = [parse(Line(2, text.encode(), "f.csv"), file="f.csv") for text in (plain, padded)]
    return read[0], read[1]


@given(first=BARCODES, second=NUMBERS | st.just(""), end=ENDS)
def test_a_plain_barcode_line_reads_as_the_same_line_padded(
    first: str, second: str, end: str
) -> None:
    plain, padded = plain_and_padded(barcode_row, first, second, end)
    assert plain == padded


@given(first=NUMBERS, second=NUMBERS, end=ENDS)
def test_a_plain_order_line_reads_as_the_same_line_padded(
    first: str, second: str, end: str
) -> None:
    plain, padded = plain_and_padded(order_row, first, second, end)
    assert plain == padded
