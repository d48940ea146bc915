"""regenerate_tokens in real subprocesses, with real signals and several workers."""

import random
import signal

import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import mysql_only, progress_lines, signal_after_batches
from tests.factories import TicketFactory
from ticket.models import RevokedToken, Ticket
from ticket.services import REGENERATE_KIND, rotation_job_open
from ticket.tokens import token_hash
from utils.jobs import job_abandon
from utils.management.base import EXIT_INTERRUPTED
from utils.models import Chunk, Job

pytestmark = pytest.mark.django_db(transaction=True)

TICKETS = 6000
SMALL_BATCHES = ("--batch-size=20", "--lease-seconds=1")


@pytest.fixture
def old_tokens() -> dict[int, str]:
    call_command("seed_users", count=10, seed=1)
    call_command("seed_orders", count=50, seed=1)
    call_command("seed_tickets", count=TICKETS, seed=1)
    return {pk: token.hex for pk, token in Ticket.objects.values_list("pk", "token")}


def assert_rotated_exactly_once(old_tokens: dict[int, str]) -> Job:
    job = Job.objects.get(kind=REGENERATE_KIND)
    assert job.status == Job.Status.COMPLETED
    new = {
        pk: token.hex
        for pk, token in Ticket.objects.filter(pk__in=old_tokens).values_list("pk", "token")
    }
    assert len(new) == len(old_tokens)
    assert all(new[pk] != old_tokens[pk] for pk in old_tokens)
    assert len(set(new.values())) == len(new)
    revoked = dict(RevokedToken.objects.filter(job=job).values_list("ticket_id", "token_hash"))
    assert revoked == {pk: token_hash(token) for pk, token in old_tokens.items()}
    return job


def test_resume_after_kill_at_random_points_rotates_each_ticket_once(
    old_tokens, spawn, manage
) -> None:
    chance = random.Random(6)
    for round_number in range(3):
        resume = ("--resume",) if round_number else ()
        process = spawn("regenerate_tokens", *SMALL_BATCHES, *resume)
        signal_after_batches(process, chance.randint(1, 25), signal.SIGKILL)
        assert Job.objects.get(kind=REGENERATE_KIND).status != Job.Status.COMPLETED

    result = manage("regenerate_tokens", "--resume")

    assert result.returncode == 0, result.stderr
    assert_rotated_exactly_once(old_tokens)


def test_sigterm_commits_in_flight_batches_and_exits_resumable(old_tokens, spawn, manage) -> None:
    process = spawn("regenerate_tokens", *SMALL_BATCHES)
    output = signal_after_batches(process, 3, signal.SIGTERM)

    assert process.returncode == EXIT_INTERRUPTED
    assert "python manage.py regenerate_tokens --resume" in output
    job = Job.objects.get(kind=REGENERATE_KIND)
    assert job.status == Job.Status.INTERRUPTED
    done = sum(job.chunks.filter(state=Chunk.State.DONE).values_list("rows", flat=True))
    assert RevokedToken.objects.filter(job=job).count() == done  # no half batch

    result = manage("regenerate_tokens", "--resume")

    assert result.returncode == 0, result.stderr
    assert_rotated_exactly_once(old_tokens)
    printed = output + result.stdout + result.stderr
    assert not any(token in printed for token in old_tokens.values())


def test_two_workers_share_a_job_while_a_third_is_killed(old_tokens, spawn) -> None:
    rotation_job_open(batch_size=10)
    workers = [
        spawn("regenerate_tokens", "--resume", "--lease-seconds=1", "--concurrency=1")
        for _ in range(3)
    ]
    signal_after_batches(workers[2], 2, signal.SIGKILL)

    for worker in workers[:2]:
        _, stderr = worker.communicate(timeout=300)
        assert worker.returncode == 0, stderr

    job = assert_rotated_exactly_once(old_tokens)
    owners = set(job.chunks.values_list("lease_owner", flat=True))
    assert len(owners) == 3  # every worker completed batches of the one job


def test_tickets_created_after_the_start_keep_their_tokens(old_tokens, manage) -> None:
    rotation_job_open(batch_size=500)
    late = TicketFactory.create_batch(5)

    result = manage("regenerate_tokens", "--resume")

    assert result.returncode == 0, result.stderr
    assert_rotated_exactly_once(old_tokens)
    for ticket in late:
        assert Ticket.objects.get(pk=ticket.pk).token == ticket.token
    assert not RevokedToken.objects.filter(ticket__in=late).exists()


def test_a_second_run_is_refused_while_one_is_unfinished(old_tokens, manage) -> None:
    rotation_job_open()
    result = manage("regenerate_tokens")
    assert result.returncode == 1
    assert "--resume" in result.stderr
    assert "--abandon" in result.stderr
    assert not RevokedToken.objects.exists()


def test_status_prints_the_job_record(old_tokens, manage) -> None:
    call_command("regenerate_tokens")
    result = manage("regenerate_tokens", "--status")
    assert result.returncode == 0, result.stderr
    assert (
        f"regenerate_tokens job #{Job.objects.get(kind=REGENERATE_KIND).pk}: completed"
        in result.stdout
    )
    assert f"done      {TICKETS:,}/{TICKETS:,} (100.0%)" in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--batch-size=0"], 2, "--batch-size: expected a positive integer, got '0'"),
        (["--batch-size=100001"], 2, "--batch-size: expected at most 100,000, got '100001'"),
        (["--concurrency=-2"], 2, "--concurrency: expected a positive integer, got '-2'"),
        (["--concurrency=300"], 2, "--concurrency: expected at most 64, got '300'"),
        (["--lease-seconds=x"], 2, "--lease-seconds: expected a positive integer, got 'x'"),
        (["--resume", "--abandon"], 2, "argument --abandon: not allowed with argument --resume"),
        (["--status=999"], 1, "there is no regenerate_tokens job #999"),
    ],
)
def test_bad_arguments_get_one_line_and_change_nothing(manage, args, code, message) -> None:
    TicketFactory.create()
    result = manage("regenerate_tokens", *args)
    assert result.returncode == code
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
    assert not Job.objects.exists()


def test_with_no_tickets_the_job_completes_at_once() -> None:
    call_command("regenerate_tokens")
    job = Job.objects.get(kind=REGENERATE_KIND)
    assert (job.status, job.total, job.chunks.count()) == (Job.Status.COMPLETED, 0, 0)


def test_abandon_from_another_process_stops_the_running_rotation(old_tokens, spawn, manage) -> None:
    first = spawn("regenerate_tokens", "--batch-size=20", "--concurrency=2")
    progress_lines(first, 3)

    job_abandon(job=Job.objects.get(kind=REGENERATE_KIND))  # this test is the other process
    result = manage("regenerate_tokens")  # a new job rotates every ticket again
    _, stderr = first.communicate(timeout=120)

    assert result.returncode == 0, result.stderr
    assert first.returncode == 1
    assert stderr.rstrip().endswith("was abandoned by another process; this one stopped")
    abandoned, second = Job.objects.filter(kind=REGENERATE_KIND).order_by("pk")
    assert (abandoned.status, second.status) == (Job.Status.ABANDONED, Job.Status.COMPLETED)
    first_hashes = dict(
        RevokedToken.objects.filter(job=abandoned).values_list("ticket_id", "token_hash")
    )
    second_hashes = dict(
        RevokedToken.objects.filter(job=second).values_list("ticket_id", "token_hash")
    )
    done = sum(abandoned.chunks.filter(state=Chunk.State.DONE).values_list("rows", flat=True))
    assert len(first_hashes) == done > 0
    assert set(second_hashes) == set(old_tokens)
    for pk, token in old_tokens.items():
        if pk in first_hashes:
            # The abandoned job rotated it from the original token, and before the new job.
            assert first_hashes[pk] == token_hash(token)
            assert second_hashes[pk] != token_hash(token)
        else:
            assert second_hashes[pk] == token_hash(token)
    current = {token_hash(t.hex) for t in Ticket.objects.values_list("token", flat=True)}
    assert not current & (set(first_hashes.values()) | set(second_hashes.values()))


@mysql_only
def test_a_killed_database_connection_fails_in_one_line_and_resume_rotates_once(
    old_tokens, spawn, manage
) -> None:
    process = spawn("regenerate_tokens", *SMALL_BATCHES)
    progress_lines(process, 2)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ID FROM information_schema.PROCESSLIST"
            " WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"
        )
        for (thread,) in cursor.fetchall():
            cursor.execute(f"KILL CONNECTION {int(thread)}")
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == 1
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1].startswith(("CommandError: ", "Database error: "))

    result = manage("regenerate_tokens", "--resume")

    assert result.returncode == 0, result.stderr
    assert_rotated_exactly_once(old_tokens)


def test_batches_count_existing_tickets_however_sparse_the_ids(manage) -> None:
    tickets = TicketFactory.create_batch(7)
    # Spread the ids far apart: a batch of ids would hold a few tickets at most.
    for n, ticket in enumerate(tickets):
        Ticket.objects.filter(pk=ticket.pk).update(id=ticket.pk + n * 10**9)
    old = {pk: token.hex for pk, token in Ticket.objects.values_list("pk", "token")}

    result = manage("regenerate_tokens", "--batch-size=3")

    assert result.returncode == 0, result.stderr
    job = assert_rotated_exactly_once(old)
    assert sorted(job.chunks.values_list("rows", flat=True)) == [1, 3, 3]


def test_tickets_still_being_written_at_the_start_are_rotated_and_counted() -> None:
    tickets = TicketFactory.create_batch(10)
    late = tickets[4].pk
    tickets[4].delete()  # as if its insert had not committed when the rotation counted
    job = rotation_job_open()
    TicketFactory.create(id=late)

    call_command("regenerate_tokens", "--resume")

    job.refresh_from_db()
    assert (job.status, job.total) == (Job.Status.COMPLETED, 10)
    assert RevokedToken.objects.filter(job=job).count() == 10


@mysql_only
def test_losing_the_idle_main_connection_does_not_fail_a_finished_run(old_tokens, spawn) -> None:
    process = spawn("regenerate_tokens", "--batch-size=20")
    progress_lines(process, 2)

    with connection.cursor() as cursor:
        # The process's first connection opened the job, then sat idle through the run.
        cursor.execute(
            "SELECT MIN(ID) FROM information_schema.PROCESSLIST"
            " WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"
        )
        (first,) = cursor.fetchone()
        cursor.execute(f"KILL CONNECTION {int(first)}")
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == 0, stderr
    assert_rotated_exactly_once(old_tokens)
