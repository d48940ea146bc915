from django.contrib import admin

from order.models import Order


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin[Order]):
    list_display = ("id", "customer", "created_at")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)
    ordering = ("-id",)
    show_full_result_count = False
