from django.db.models import Model
from django.urls import reverse
from django.utils.html import format_html


def admin_link(obj: Model, *, text: str | None = None) -> str:
    """A link to the object's admin change page."""
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else str(obj))


def admin_list_link(model: type[Model], *, text: str, **filters: object) -> str:
    """A link to the model's admin list, filtered (for example order__id__exact=5)."""
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    query = "&".join(f"{name}={value}" for name, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, text)
