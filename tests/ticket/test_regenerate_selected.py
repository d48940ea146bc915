from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import TicketFactory
from ticket.models import RevokedToken, Ticket
from ticket.services import (
    REGENERATE_SELECTED_KIND,
    SELECTION_LIMIT,
    ticket_tokens_regenerate_selected,
)
from utils.jobs import JobConflict, JobDraft, JobError, job_open
from utils.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


def open_selection_job(ticket_ids: list[int]) -> Job:
    return job_open(
        kind=REGENERATE_SELECTED_KIND,
        draft=lambda: JobDraft(
            params={"ticket_ids": ticket_ids}, scope_lo=0, scope_hi=len(ticket_ids), total=1
        ),
        requested={},
        batch_size=None,
        resume=False,
        abandon=False,
    )


def test_rotates_the_selected_tickets_only_and_passes_over_missing_ids() -> None:
    chosen, other = TicketFactory.create_batch(2), TicketFactory.create()
    outcome = ticket_tokens_regenerate_selected(ticket_ids=[chosen[0].pk, chosen[1].pk, 10**9])
    assert (outcome.status, outcome.done) == ("completed", 2)
    for ticket in chosen:
        assert Ticket.objects.get(pk=ticket.pk).token != ticket.token
    assert Ticket.objects.get(pk=other.pk).token == other.token
    assert RevokedToken.objects.filter(job_id=outcome.job_id).count() == 2


def test_more_than_the_limit_is_refused_before_any_job() -> None:
    with pytest.raises(JobError, match="regenerate_tokens"):
        ticket_tokens_regenerate_selected(ticket_ids=range(1, SELECTION_LIMIT + 2))
    assert not Job.objects.exists()


def test_a_selection_job_that_just_started_elsewhere_is_left_alone() -> None:
    ticket = TicketFactory.create()
    running = open_selection_job([ticket.pk])
    with pytest.raises(JobConflict):
        ticket_tokens_regenerate_selected(ticket_ids=[ticket.pk])
    assert Job.objects.get(pk=running.pk).status == Job.Status.RUNNING


def test_a_selection_job_left_by_a_dead_request_is_abandoned_and_a_new_one_runs() -> None:
    ticket = TicketFactory.create()
    stalled = open_selection_job([ticket.pk])
    Job.objects.filter(pk=stalled.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    outcome = ticket_tokens_regenerate_selected(ticket_ids=[ticket.pk])
    assert outcome.status == "completed"
    assert Job.objects.get(pk=stalled.pk).status == Job.Status.ABANDONED


def test_a_busy_selection_job_is_explained_without_command_line_flags() -> None:
    ticket = TicketFactory.create()
    open_selection_job([ticket.pk])
    with pytest.raises(JobConflict) as refused:
        ticket_tokens_regenerate_selected(ticket_ids=[ticket.pk])
    assert "try again in a moment" in str(refused.value)
    assert "--" not in str(refused.value)
