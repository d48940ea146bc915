"""The admin action "Regenerate tokens", on tickets and on orders (all their tickets): a
confirmation page, then ticket_tokens_regenerate_selected in the request, for a selection
small enough; beyond it, staff are told to run the command."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from ticket.models import Ticket
from ticket.services import SELECTION_LIMIT, ticket_tokens_regenerate_selected
from utils.jobs import JobError

SHOWN_TICKETS = 20


def regenerate_tokens_allowed(request: HttpRequest) -> bool:
    return request.user.has_perm("ticket.change_ticket")


def regenerate_tokens_action(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, *, tickets: QuerySet[Ticket]
) -> TemplateResponse | None:
    # Index: the primary key (or the tickets' order foreign key); one more than the limit
    # tells whether it is exceeded.
    ids = list(tickets.order_by("pk").values_list("pk", flat=True)[: SELECTION_LIMIT + 1])
    if not ids:
        modeladmin.message_user(request, "The selection holds no tickets.", messages.WARNING)
        return None
    if len(ids) > SELECTION_LIMIT:
        modeladmin.message_user(
            request,
            f"More than {SELECTION_LIMIT:,} tickets selected: too many to rotate in a page"
            " request. Run `python manage.py regenerate_tokens` to rotate every ticket in"
            " batches.",
            messages.ERROR,
        )
        return None
    if "confirm" not in request.POST:
        return _confirmation(modeladmin, request, ids=ids)
    try:
        outcome = ticket_tokens_regenerate_selected(ticket_ids=ids)
    except JobError as error:
        modeladmin.message_user(request, str(error), messages.ERROR)
        return None
    job_url = reverse("admin:utils_job_change", args=[outcome.job_id])
    modeladmin.message_user(
        request,
        format_html(
            '{} of {} tickets given new tokens (<a href="{}">job #{}</a>, {}).',
            outcome.done,
            outcome.total,
            job_url,
            outcome.job_id,
            outcome.status,
        ),
        messages.SUCCESS if outcome.status == "completed" else messages.WARNING,
    )
    return None


def _confirmation(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, *, ids: list[int]
) -> TemplateResponse:
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Regenerate tokens?",
        "opts": modeladmin.opts,
        "ticket_count": len(ids),
        "tickets": Ticket.objects.filter(pk__in=ids[:SHOWN_TICKETS]).order_by("pk"),
        "more": max(len(ids) - SHOWN_TICKETS, 0),
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/ticket/regenerate_tokens_confirm.html", context)
