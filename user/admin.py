from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from user.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "date_joined")
    # Lists are not counted in full: COUNT(*) over millions of rows costs seconds per page.
    show_full_result_count = False
