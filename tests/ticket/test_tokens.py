import uuid

from ticket.tokens import token_hexes


def test_tokens_are_distinct_version_4_uuids() -> None:
    tokens = token_hexes(5000)
    assert len(set(tokens)) == 5000
    parsed = [uuid.UUID(token) for token in tokens]
    assert {token.version for token in parsed} == {4}
    assert {token.variant for token in parsed} == {uuid.RFC_4122}
    assert all(token.hex == text for token, text in zip(parsed, tokens, strict=True))
