"""Admin lists over tables of millions of rows.

- Django's changelist counts its whole result with COUNT(*) on every page. Here a list
  counts like utils.counts: exact up to a cap, the engine's estimate above it ("≈").
- A page is read in two steps (a "deferred join"): its ids first, with no joins and no
  per-row subqueries, from the index that gives the order; then those rows with their
  joins. Otherwise the optimizer may join first and sort everything (the orders list joined
  every customer and sorted 10,000 orders to show 100), and a deep page joins every row it
  skips.
- Sorting stops at the first unique column. Django appends the default ordering after the
  column clicked (ORDER BY barcode, id DESC), which no index serves: a sort of the table.
"""

from functools import cached_property
from typing import Any, TypeVar

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.db.models.options import Options
from django.http import HttpRequest

from utils.counts import RowCount, rows_count

M = TypeVar("M", bound=Model)


class EstimatedPaginator(Paginator):  # type: ignore[type-arg]
    @cached_property
    def row_count(self) -> RowCount:
        return rows_count(queryset=self.object_list)  # type: ignore[arg-type]

    @cached_property
    def count(self) -> int:
        return self.row_count.value

    def page(self, number: int | str) -> Page:  # type: ignore[type-arg]
        page = super().page(number)
        ids = list(page.object_list.values_list("pk", flat=True))  # type: ignore[attr-defined]
        page.object_list = self.object_list.filter(pk__in=ids)  # type: ignore[attr-defined]
        return page


class UniqueOrderingChangeList(ChangeList):
    def get_ordering(self, request: HttpRequest, queryset: QuerySet[Any]) -> list[Any]:
        ordering: list[Any] = super().get_ordering(request, queryset)
        for index, name in enumerate(ordering):
            if isinstance(name, str) and _is_unique(self.lookup_opts, name.lstrip("-")):
                return ordering[: index + 1]
        return ordering


def _is_unique(opts: Options[Any], name: str) -> bool:
    if name == "pk":
        return True
    try:
        field = opts.get_field(name)
    except FieldDoesNotExist:
        return False
    return bool(getattr(field, "unique", False)) and not getattr(field, "null", True)


class LargeTableAdmin(admin.ModelAdmin[M]):
    paginator = EstimatedPaginator
    show_full_result_count = False
    # A page of 100 rows costs the same queries as one of 20 (select_related and per-page
    # subqueries); "Show all" would load up to this many rows at once.
    list_max_show_all = 500

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return UniqueOrderingChangeList

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # "Delete selected" loads every selected row and its relations into the request:
        # with "select all" that is the whole table. Rows are deleted one at a time.
        actions: dict[str, Any] = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
