from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ticket.admin_actions import regenerate_tokens_action, regenerate_tokens_allowed
from ticket.models import Scan, Ticket
from ticket.selectors import ticket_revocations
from ticket.services import token_check
from utils.admin_links import admin_link
from utils.changelists import LargeTableAdmin


class SoldFilter(admin.SimpleListFilter):
    title = "sold"
    parameter_name = "sold"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Sold"), ("no", "Unsold")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            # Index: the order foreign key's, which holds the NULLs, in id order.
            return queryset.filter(order__isnull=True)
        if self.value() == "yes":
            # Most tickets are sold: read the primary key in the page's order and pass over
            # the unsold. A plain IS NOT NULL lures the optimizer into the order index's
            # range, then a sort of nearly every ticket (0.8 s at 300,000 tickets).
            sold: QuerySet[Any] = queryset.alias(sold_to=Coalesce("order_id", 0))
            return sold.filter(sold_to__gt=0)
        return queryset


@admin.register(Ticket)
class TicketAdmin(LargeTableAdmin[Ticket]):
    # The token is the ticket's secret: pages show only its hint, and no form holds it.
    list_display = (
        "id", "barcode", "token_hint", "order_link", "customer", "sold", "created_at",
        "redeemed_at",
    )  # fmt: skip
    list_select_related = ("order__customer",)
    list_filter = (SoldFilter,)
    # Sorting only by unique indexed columns: any other ORDER BY sorts the whole table.
    sortable_by = ("id", "barcode")
    ordering = ("-id",)
    search_fields = ("barcode",)  # the search box; search_exact says what it matches
    search_help_text = "An exact barcode, order id or token (a scanned QR value)."
    fields = (
        "barcode", "order", "token_hint", "created_at", "updated_at", "redeemed_at",
        "redeemed_by", "revoked_tokens",
    )  # fmt: skip
    readonly_fields = (
        "token_hint",
        "created_at",
        "updated_at",
        "redeemed_at",
        "redeemed_by",
        "revoked_tokens",
    )
    raw_id_fields = ("order",)
    extra_lookups = ("order__id__exact",)  # an order's link to its tickets
    actions = ("regenerate_tokens",)

    @admin.display(description="token")
    def token_hint(self, ticket: Ticket) -> str:
        return ticket.token_hint

    @admin.display(description="order")
    def order_link(self, ticket: Ticket) -> str:
        return admin_link(ticket.order) if ticket.order else "-"

    @admin.display(description="customer")
    def customer(self, ticket: Ticket) -> str:
        if ticket.order is None:
            return "-"
        return admin_link(ticket.order.customer, text=ticket.order.customer.email)

    @admin.display(description="sold", boolean=True)
    def sold(self, ticket: Ticket) -> bool:
        return ticket.order_id is not None

    @admin.display(description="revoked tokens")
    def revoked_tokens(self, ticket: Ticket) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td><code>{}…</code></td></tr>",
            (
                (f"{r.revoked_at:%Y-%m-%d %H:%M:%S} UTC", admin_link(r.job), r.token_hash[:8])
                for r in ticket_revocations(ticket=ticket)
            ),
        )
        if not rows:
            return "none"
        return format_html(
            "<table><tr><th>revoked</th><th>by job</th><th>hash</th></tr>{}</table>", rows
        )

    @admin.action(description="Regenerate tokens", permissions=["regenerate_tokens"])
    def regenerate_tokens(
        self, request: HttpRequest, queryset: QuerySet[Ticket]
    ) -> TemplateResponse | None:
        return regenerate_tokens_action(self, request, tickets=queryset)

    def has_regenerate_tokens_permission(self, request: HttpRequest) -> bool:
        return regenerate_tokens_allowed(request)

    def search_exact(self, queryset: QuerySet[Ticket], term: str) -> QuerySet[Ticket]:
        # One index probe each: the unique barcode, the order foreign key.
        match = Q(barcode=term)
        if term.isascii() and term.isdigit():
            match |= Q(order_id=int(term))
        return queryset.filter(match)

    def uuid_search(self, request: HttpRequest, term: str) -> HttpResponse | None:
        # A scanned QR value opens its ticket's page. (A barcode that looks like a UUID is
        # searched as usual.)
        if Ticket.objects.filter(barcode=term.strip()).exists():
            return None
        check = token_check(token=term.strip())
        if check.ticket is None:
            messages.error(request, "No ticket has this token.")
            return HttpResponseRedirect(reverse("admin:ticket_ticket_changelist"))
        if check.status == "revoked" and check.revoked_at is not None:
            messages.warning(request, f"This token was revoked at {check.revoked_at:%c} UTC.")
        else:
            messages.success(request, "This token is the ticket's valid token.")
        return HttpResponseRedirect(reverse("admin:ticket_ticket_change", args=[check.ticket.pk]))


@admin.register(Scan)
class ScanAdmin(LargeTableAdmin[Scan]):
    """The gates' audit trail, read-only: every redemption attempt and its answer."""

    list_display = ("id", "scanned_at", "result", "ticket_link", "scanned_by", "nonce")
    list_filter = ("result",)
    ordering = ("-id",)
    sortable_by = ("id",)
    fields = ("scanned_at", "result", "ticket_link", "scanned_by", "nonce")
    readonly_fields = fields

    @admin.display(description="ticket")
    def ticket_link(self, scan: Scan) -> str:
        # The id only: the link needs no join, and the ticket page shows the rest.
        return (
            admin_link(Ticket(pk=scan.ticket_id), text=str(scan.ticket_id))
            if scan.ticket_id
            else "-"
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Scan | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Scan | None = None) -> bool:
        return False
