"""The API against its own OpenAPI description: schemathesis makes requests for every operation
in /api/openapi.json (valid ones and, from the description's constraints, invalid ones), sends
them with a staff key to the production server on loopback, and checks each answer: never a
5xx, a status the operation declares, and a body that its schema for that status accepts.

The server is granian as `make serve` starts it (tests/core/test_serving.py's options, one
worker), on a free port, on the test database: the test is transactional so that the server
sees the rows it seeds. The run is bounded (a few examples an operation, derandomized: the same
requests every run) and takes a few seconds.
"""

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import bearer
from tests.conftest import ROOT
from tests.core.test_serving import SERVE_OPTIONS, answers
from tests.factories import OrderFactory, TicketFactory, UserFactory
from tests.utils.test_redis_guard import free_port
from ticket.redemptions import ticket_redeem
from ticket.services import ticket_tokens_regenerate_selected

HOST = "127.0.0.1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
START_SECONDS = 30
TOKEN_OPERATIONS: dict[str, Callable[[str, str], dict[str, str]]] = {
    "POST /api/tickets/check": lambda token, _: {"token": token},
    "POST /api/tickets/redeem": lambda token, nonce: {"token": token, "nonce": nonce},
}
# Per operation and kind of data (valid, invalid): the same requests every run.
EXAMPLES = settings(
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def served(command_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """The production server on the test database, accepting connections; its base URL. Its
    log is shown with a failure (a 500's traceback is there)."""
    port = free_port()
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "granian", *SERVE_OPTIONS, f"--port={port}"]
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*command, "core.wsgi:application"],
            cwd=ROOT,
            env={**command_env, "DJANGO_ALLOWED_HOSTS": HOST},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while not answers(port):  # polls for the condition; the deadline only bounds it
            log_text = log.read_text(errors="replace")
            assert server.poll() is None, f"granian stopped:\n{log_text}"
            assert time.monotonic() < deadline, f"granian did not answer:\n{log_text}"
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        sys.stderr.write(log.read_text(errors="replace"))


@pytest.fixture
def tokens() -> list[str]:
    """Customers with orders of tickets, and unsold tickets (order ids that the fuzzer's small
    integers find, figures for the stats); tokens that answer each way: sold, unsold,
    redeemed, and revoked by a rotation."""
    sold = [
        TicketFactory.create_batch(count, order=OrderFactory.create(customer=UserFactory.create()))
        for count in (3, 1, 2)
    ]
    unsold = TicketFactory.create_batch(2, order=None)
    redeemed, rotated = sold[0][0], sold[0][1]
    ticket_redeem(token=str(redeemed.token), nonce="seed", scanned_by="seed")
    revoked = str(rotated.token)
    ticket_tokens_regenerate_selected(ticket_ids=[rotated.pk])
    return [str(ticket.token) for ticket in (*sold[1], *sold[2], *unsold, redeemed)] + [revoked]


@pytest.mark.django_db(transaction=True)
def test_every_endpoint_keeps_its_schema_and_never_answers_500(
    served: str, staff_key: str, tokens: list[str]
) -> None:
    schema = schemathesis.openapi.from_url(f"{served}/api/openapi.json", timeout=10)
    schema.config.update(base_url=served)
    failures: list[str] = []
    labels: list[str] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # an operation that its description does not define
            failures.append(str(result.err()))
            continue
        operation = result.ok()
        labels.append(operation.label)
        for name, cases in strategies(operation, tokens).items():

            @given(case=cases)
            @EXAMPLES
            def exchange(case: schemathesis.Case[Any]) -> None:
                case.call_and_validate(headers=bearer(staff_key), checks=CHECKS, timeout=10)

            try:
                exchange()
            except (Exception, BaseExceptionGroup) as failure:
                failures.append(f"{operation.label} ({name}): {failure}")
    assert {"POST /api/tickets/check", "GET /api/stats"} <= set(labels), labels
    assert not failures, "\n\n".join(failures)


def strategies(
    operation: schemathesis.APIOperation[Any, Any, Any, Any], tokens: list[str]
) -> dict[str, SearchStrategy[schemathesis.Case[Any]]]:
    """Valid requests, invalid ones, and for a token's operations, requests with the seeded
    tokens (a random token is only ever unknown)."""
    cases = {
        "valid data": operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        "invalid data": operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    }
    if operation.label in TOKEN_OPERATIONS:
        bodies = st.builds(
            TOKEN_OPERATIONS[operation.label], st.sampled_from(tokens), st.sampled_from("ab")
        )
        cases["seeded tokens"] = bodies.flatmap(lambda body: operation.as_strategy(body=body))
    return cases
