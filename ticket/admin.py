from django.contrib import admin

from ticket.models import Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin[Ticket]):
    # The token is the ticket's secret: lists show only a short hint, and no form shows it.
    list_display = ("barcode", "token_hint", "order", "created_at")
    exclude = ("token",)
    raw_id_fields = ("order",)
    ordering = ("-id",)
    # "=barcode" is an exact match, served by the unique barcode index.
    search_fields = ("=barcode",)
    show_full_result_count = False
