from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from order.models import Order
from user.models import User
from utils.admin_links import admin_list_link
from utils.changelists import LargeTableAdmin, children_count


@admin.register(User)
class UserAdmin(BaseUserAdmin[User], LargeTableAdmin[User]):
    """Customers and staff alike: a customer is a user who is not staff."""

    list_display = ("email", "full_name", "order_count", "is_staff", "date_joined")
    list_filter = ("is_staff",)
    # Sorting only by unique indexed columns: any other ORDER BY sorts the whole table.
    sortable_by = ("email",)
    ordering = ("-id",)
    search_fields = ("email",)  # the search box; search_exact says what it matches
    search_help_text = "An exact email, or the start of one followed by * (ann.lee*)."

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        orders = children_count(Order, parent="customer")
        return super().get_queryset(request).annotate(order_count=orders)

    @admin.display(description="name")
    def full_name(self, user: User) -> str:
        return user.get_full_name()

    @admin.display(description="orders")
    def order_count(self, user: User) -> str:
        count = getattr(user, "order_count", None) or 0
        return admin_list_link(Order, text=f"{count:,}", customer__id__exact=user.pk)

    def search_exact(self, queryset: QuerySet[User], term: str) -> QuerySet[User]:
        # The unique email index: one probe, or one range for a prefix.
        if term.endswith("*"):
            return queryset.filter(email__startswith=term.rstrip("*"))
        return queryset.filter(email=term)
