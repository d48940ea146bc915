"""Helpers for tests of admin pages: what a page must never show, and its SQL."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ticket.models import Ticket


def assert_no_token_shown(page: Any, *tickets: Ticket) -> None:
    """The page holds no ticket's token in any spelling, nor 8 characters of it from either
    end (its hint is 4 characters; 8 cannot match by chance)."""
    text = (page if isinstance(page, str) else page.content.decode()).lower()  # a response
    for ticket in tickets:
        spelled, digits = str(ticket.token), ticket.token.hex
        for part in (spelled, digits, spelled[:8], digits[-8:]):
            assert part not in text


def queries_of(request: Callable[[], Any]) -> list[str]:
    """The SQL statements a request runs once warm (its session and content types cached);
    it must answer 200."""
    request()
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def full_counts(statements: list[str]) -> list[str]:
    """Statements that count rows without a LIMIT: each reads every row it counts. (A COUNT
    in a per-row subquery of a page's query counts that row's children only.)"""
    return [
        sql for sql in statements if sql.upper().startswith("SELECT COUNT(") and "LIMIT" not in sql
    ]


def queries_at_page_sizes(
    monkeypatch: pytest.MonkeyPatch,
    model_admin: type,
    request: Callable[[], Any],
    sizes: tuple[int, int],
) -> tuple[list[str], list[str]]:
    """The statements of a list's request with `sizes` rows per page."""
    small, large = sizes
    monkeypatch.setattr(model_admin, "list_per_page", small)
    few = queries_of(request)
    monkeypatch.setattr(model_admin, "list_per_page", large)
    return few, queries_of(request)
