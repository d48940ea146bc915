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

import re
from functools import cached_property
from typing import Any, TypeVar

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, Model, OuterRef, QuerySet, Subquery
from django.db.models.options import Options
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from utils.cache import DATA_FAMILY, family_bump
from utils.counts import RowCount, rows_count

M = TypeVar("M", bound=Model)
# A token is 32 hex digits; a search with this many is a token, perhaps mistyped.
UUID_LIKE_DIGITS = 24


class EstimatedPaginator(Paginator):  # type: ignore[type-arg]
    @cached_property
    def row_count(self) -> RowCount:
        return rows_count(queryset=self.object_list)  # type: ignore[arg-type]

    @cached_property
    def count(self) -> int:
        return self.row_count.value

    def validate_number(self, number: int | float | str | None) -> int:
        # An estimated count may fall short: a page past it is read, not refused.
        if not str(number).isascii() or not str(number).isdigit():
            raise PageNotAnInteger("That page number is not an integer")
        if int(str(number)) < 1:
            raise EmptyPage("That page number is less than 1")
        return int(str(number))

    def page(self, number: int | str) -> Page:  # type: ignore[type-arg]
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])  # type: ignore[attr-defined]
        if len(ids) < self.per_page:
            self._recount(bottom + len(ids))  # the end is in sight: the count is exact now
        elif number >= self.num_pages:
            self._recount(number * self.per_page + 1)  # the estimate fell short
        return Page(self.object_list.filter(pk__in=ids), number, self)  # type: ignore[attr-defined]

    def _recount(self, count: int) -> None:
        self.__dict__["count"] = count
        self.__dict__.pop("num_pages", None)
        self.__dict__.pop("page_range", None)


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

    # Query-string lookups allowed beyond the list's filters, such as "order__id__exact".
    extra_lookups: tuple[str, ...] = ()

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # The list's filters and links only. Django takes any lookup on the model's own
        # fields: ?token__startswith=4f would tell a secret one character at a time.
        return lookup in self._lookups(request)

    def _lookups(self, request: HttpRequest) -> set[str]:
        names = set(self.extra_lookups)
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
                names.add(str(item.parameter_name))
            else:
                field = item[0] if isinstance(item, list | tuple) else item
                names |= {f"{field}__exact", f"{field}__isnull"}
        return names

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[M], search_term: str
    ) -> tuple[QuerySet[M], bool]:
        # Exact matches, which an index answers (search_exact says which), never Django's
        # LIKE '%term%' over every column of every row.
        term = search_term.strip()
        if not term:
            return queryset, False
        return self.search_exact(queryset, term), False

    def search_exact(self, queryset: QuerySet[M], term: str) -> QuerySet[M]:
        """The rows a non-empty search term names; lists with a search box define it."""
        raise NotImplementedError

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(value.isascii() and value.isdigit() for value in selected):
            # Django's action handling would fail with a 500.
            self.message_user(request, "The selection is not a list of ids.", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        # A searched value that looks like a token is answered with a redirect, so that no
        # page echoes it back (in the search box, or in the links that keep the query).
        term = request.GET.get(SEARCH_VAR, "")
        if uuid_like(term):
            answer = self.uuid_search(request, term)
            if answer is not None:
                return answer
        return super().changelist_view(request, extra_context)

    def uuid_search(self, request: HttpRequest, term: str) -> HttpResponse | None:
        """Answer a search for a UUID-like value, or None to search as usual."""
        self.message_user(
            request,
            "That looks like a ticket token, which this list does not show back. Search for"
            " it on the tickets list.",
            messages.WARNING,
        )
        return HttpResponseRedirect(request.path)

    def save_model(self, request: HttpRequest, obj: M, form: Any, change: bool) -> None:
        # In the admin's transaction: cached answers are retired when the edit commits.
        super().save_model(request, obj, form, change)
        family_bump(family=DATA_FAMILY)

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        super().delete_model(request, obj)
        family_bump(family=DATA_FAMILY)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # "Delete selected" loads every selected row and its relations into the request:
        # with "select all" that is the whole table. Rows are deleted one at a time.
        actions: dict[str, Any] = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


def uuid_like(text: str) -> bool:
    """Whether a search term is (or nearly is) a UUID: 24 or more hex digits once spaces,
    dashes, braces and a urn:uuid: prefix are taken out."""
    digits = re.sub(r"urn:uuid:|[\s{}-]", "", text.lower())
    return len(digits) >= UUID_LIKE_DIGITS and re.fullmatch("[0-9a-f]+", digits) is not None


def children_count(model: type[Model], *, parent: str) -> Subquery:
    """A column counting the `model` rows whose foreign key `parent` names the row: a
    subquery evaluated for the page's rows only, each an index range of that key."""
    rows = model._default_manager.filter(**{parent: OuterRef("pk")}).order_by()
    return Subquery(rows.values(parent).annotate(count=Count("pk")).values("count"))
