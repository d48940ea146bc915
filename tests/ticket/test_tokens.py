import hashlib
import time
import uuid

import pytest

from ticket.tokens import token_hash, token_hexes, token_keys, token_new, token_parse


def test_tokens_are_distinct_version_7_uuids_that_open_with_their_issue_time() -> None:
    before = time.time_ns() // 1_000_000
    tokens = token_hexes(5000)
    after = time.time_ns() // 1_000_000
    assert len(set(tokens)) == 5000
    parsed = [uuid.UUID(token) for token in tokens]
    assert {token.version for token in parsed} == {7}
    assert {token.variant for token in parsed} == {uuid.RFC_4122}
    assert all(token.hex == text for token, text in zip(parsed, tokens, strict=True))
    assert all(before <= token.int >> 80 <= after for token in parsed)


def test_tokens_issued_later_sort_later() -> None:
    first = token_new()
    while (second := token_new()).int >> 80 == first.int >> 80:  # the next millisecond
        pass
    assert first.hex < second.hex
    assert str(first) < str(second)


def test_the_random_part_is_74_bits_that_vary() -> None:
    tokens = [int(token, 16) for token in token_hexes(2000)]
    random_bits = (0xFFF << 64) | ((1 << 62) - 1)  # rand_a and rand_b of RFC 9562
    seen_set = 0
    for token in tokens:
        seen_set |= token & random_bits
    assert seen_set == random_bits
    assert len({token & random_bits for token in tokens}) == 2000


def test_a_tokens_keys_are_its_issue_time_with_its_hash_and_the_hash_alone() -> None:
    token = "019ae1f2c3d47a1b8c9d0e1f2a3b4c5d"
    digest = token_hash(token)
    assert token_keys(token) == ("019ae1f2c3d4" + digest[:8], digest[:20])
    assert token_keys(token.upper()) == token_keys(token)


def test_token_hash_is_sha256_of_the_hex_digits() -> None:
    token = uuid.UUID("3a7655b0-2676-4636-b6b7-4626d68b9bf5")
    expected = hashlib.sha256(b"3a7655b026764636b6b74626d68b9bf5").hexdigest()
    assert token_hash(token.hex) == expected
    assert token_hash(token.hex.upper()) == expected


@pytest.mark.parametrize(
    "text",
    ["0b9d1c2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "0B9D1C2E5F6A4B7C8D9E0F1A2B3C4D5E"],
)
def test_a_token_is_read_with_or_without_dashes_in_either_case(text: str) -> None:
    assert token_parse(text) == uuid.UUID("0b9d1c2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e")


@pytest.mark.parametrize(
    "text",
    [
        "{0b9d1c2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e}",
        "urn:uuid:0b9d1c2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
        "\uff10b9d1c2e5f6a4b7c8d9e0f1a2b3c4d5e",  # a full-width digit
        "0b9d1c2e-5f6a4b7c8d9e0f1a2b3c4d5e",
        "0b9d1c2e5f6a4b7c8d9e0f1a2b3c4d5e\n",
    ],
)
def test_other_spellings_that_uuid_takes_are_no_token(text: str) -> None:
    assert token_parse(text) is None
