from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from api.models import ApiKey
from api.services import api_keys_revoke


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    """Keys are made by `manage.py create_api_key`, which prints each one once; here they
    are listed and revoked."""

    list_display = ("name", "role", "prefix", "created_at", "revoked_at")
    list_filter = ("role",)
    ordering = ("-id",)
    fields = ("name", "role", "prefix", "created_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke",)

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = api_keys_revoke(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{revoked} key(s) revoked.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
