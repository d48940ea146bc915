from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from order.models import Order
from ticket.admin_actions import regenerate_tokens_action, regenerate_tokens_allowed
from ticket.models import Ticket
from ticket.selectors import order_tickets
from utils.admin_links import admin_link, admin_list_link
from utils.changelists import LargeTableAdmin, children_count
from utils.counts import rows_count

INLINE_TICKETS = 50


class CreatedFilter(admin.SimpleListFilter):
    """Fixed periods back from now: a range of the created_at index, and no query to list
    the choices (Django's date hierarchy reads every distinct date first)."""

    title = "created"
    parameter_name = "created"
    PERIODS = {"1d": ("Last 24 hours", 1), "7d": ("Last 7 days", 7), "30d": ("Last 30 days", 30)}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in self.PERIODS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        period = self.PERIODS.get(self.value() or "")
        if period is None:
            return queryset
        return queryset.filter(created_at__gte=timezone.now() - timedelta(days=period[1]))


@admin.register(Order)
class OrderAdmin(LargeTableAdmin[Order]):
    list_display = ("id", "customer_email", "ticket_count", "created_at")
    list_select_related = ("customer",)
    list_filter = (CreatedFilter,)
    sortable_by = ("id",)
    ordering = ("-id",)
    search_fields = ("id",)  # the search box; search_exact says what it matches
    search_help_text = "An exact order id or customer email."
    fields = ("customer", "created_at", "first_tickets")
    readonly_fields = ("first_tickets",)
    raw_id_fields = ("customer",)
    extra_lookups = ("customer__id__exact",)  # a customer's link to their orders
    actions = ("regenerate_tokens",)

    @admin.action(description="Regenerate tokens", permissions=["regenerate_tokens"])
    def regenerate_tokens(
        self, request: HttpRequest, queryset: QuerySet[Order]
    ) -> TemplateResponse | None:
        # All the tickets of the selected orders. Index: the tickets' order foreign key.
        return regenerate_tokens_action(
            self, request, tickets=Ticket.objects.filter(order__in=queryset)
        )

    def has_regenerate_tokens_permission(self, request: HttpRequest) -> bool:
        return regenerate_tokens_allowed(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        tickets = children_count(Ticket, parent="order")
        return super().get_queryset(request).annotate(ticket_count=tickets)

    @admin.display(description="customer")
    def customer_email(self, order: Order) -> str:
        return admin_link(order.customer, text=order.customer.email)

    @admin.display(description="tickets")
    def ticket_count(self, order: Order) -> int:
        return getattr(order, "ticket_count", None) or 0

    @admin.display(description="tickets")
    def first_tickets(self, order: Order) -> str:
        """The order's first tickets, read-only, and a link to all of them. A plain table:
        a formset would cost a form per ticket."""
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (admin_link(t, text=str(t.pk)), t.barcode, t.token_hint, f"{t.created_at:%c}")
                for t in order_tickets(order=order, limit=INLINE_TICKETS)
            ),
        )
        count = rows_count(queryset=order.tickets.all())
        every = admin_list_link(Ticket, text=f"all {count} tickets", order__id__exact=order.pk)
        return format_html(
            "<table><tr><th>id</th><th>barcode</th><th>token</th><th>created</th></tr>{}</table>"
            "<p>The first {} shown; see {}.</p>",
            rows,
            INLINE_TICKETS,
            every,
        )

    def search_exact(self, queryset: QuerySet[Order], term: str) -> QuerySet[Order]:
        # The primary key, or the customer's unique email index.
        if term.isascii() and term.isdigit():
            return queryset.filter(pk=int(term))
        return queryset.filter(customer__email=term)
