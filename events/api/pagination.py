"""Page-number pagination with capped counts, and keyset (cursor) pagination for bulk pulls.

docs/architecture.md, "Pagination": page-number by default; counts are exact up to 10,000 matches
and estimated beyond (`count_is_estimate: true`); pages deeper than 10,000 rows answer 400
pointing to the cursor. `?pagination=cursor` (or any `cursor=`) switches to keyset pagination
over (updated_at, id) with an opaque cursor; DRF's CursorPagination positions on one field
only, and a bulk import gives many rows the same `updated_at`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from django.core.paginator import EmptyPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connections
from django.db.models import F, OrderBy, QuerySet, Value
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.api.exceptions import ParameterError, ParameterNotFound
from events.sql import first_column

EXACT_COUNT_LIMIT = 10_000
MAX_PAGE_DEPTH = 10_000


# The PL/pgSQL function of migration events 0007: EXPLAIN's row estimate for a query's text.
ROW_ESTIMATE_FUNCTION = "chronicle_row_estimate"


def capped_count(queryset: QuerySet, limit: int) -> tuple[int, bool]:
    """(matches, whether the number is an estimate): exact up to `limit`, the planner's beyond.

    On PostgreSQL one statement does both: COUNT over the first `limit` + 1 matches, and only
    when they are all there, the planner's estimate (EXPLAIN, through chronicle_row_estimate).
    The matches select a constant, not the id, so an index holding just the filtered columns
    serves the count without reading the table. Elsewhere (development): exact COUNTs.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        exact = queryset.order_by()[: limit + 1].count()
        return (exact, False) if exact <= limit else (queryset.count(), True)
    matches = queryset.order_by().values(match=Value(1))
    sql, params = matches.query.sql_with_params()
    statement = (
        f"SELECT capped.n, CASE WHEN capped.n > %s THEN {ROW_ESTIMATE_FUNCTION}(%s) END "
        f"FROM (SELECT count(*) AS n FROM ({sql} LIMIT %s) AS matches) AS capped"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [limit, connection.ops.compose_sql(sql, params), *params, limit + 1])
        exact, estimate = cursor.fetchone()
    if exact <= limit:
        return exact, False
    return max(estimate or 0, limit + 1), True


# Full-text pages with up to this many matches gather their ids (gathered_ids): walking the
# list order costs a to_tsvector() per row (35 µs) over 50 / (share of rows matching) rows;
# gathering costs one bitmap-heap step per match. PostgreSQL prices that call
# at a fraction of a page read, so it walks: at 1M events a word in 6,431 notes took 1,003 ms
# walked and 81 ms gathered; the two meet near 20,000 matches (45,000: walked 70, gathered 280).
TEXT_GATHER_LIMIT = 20_000
# Filters whose matches are found apart from the list order (the notes' GIN index; an actor's or
# a source's link rows): their pages gather (gathered_ids) rather than walk or count twice.
GATHERED_FILTERS = ("q", "actor", "source")
# A page whose exact count is at most this many matches gathers its ids rather than walk the
# date order: a province with 448 events, all years back, walked 105,000 rows of the date index
# (111 ms of SQL at 1M events); gathered, its matches come from the place index (~2 ms).
SMALL_MATCH_SET = 5_000


def by_ids(sliced: QuerySet, *, gather: bool = False) -> QuerySet:
    """The rows of a sliced queryset, read through their ids: `id IN (SELECT id … LIMIT …)`.

    The ids come from the filters and the order alone, which an index serves without reading
    the table where one matches (a page 10,000 rows deep skips them in the index); only the
    page's rows are then read, with what the queryset loads alongside (select_related,
    prefetch_related). One statement, ordered again outside.

    `gather`: find every match through the filters' indexes and sort them, rather than walk the
    list order's index until enough rows pass the filters (see SMALL_MATCH_SET).
    """
    query = sliced.query
    ids = sliced.prefetch_related(None).values("pk")
    if gather and connections[sliced.db].vendor == "postgresql":
        whole = ids.all()
        whole.query.clear_limits()
        ids = _gathering(whole)[query.low_mark : query.high_mark]
    rows = sliced.model._base_manager.db_manager(sliced.db).filter(pk__in=ids).order_by(*_ordering(sliced))
    rows.query.select_related = query.select_related
    return rows.prefetch_related(*sliced._prefetch_related_lookups)


def _ordering(queryset: QuerySet) -> tuple:
    """The queryset's order: its own, or its model's default."""
    query = queryset.query
    return query.order_by or (queryset.model._meta.ordering if query.default_ordering else ())


def _gathering(queryset: QuerySet) -> QuerySet:
    """The queryset's ids in its order, written so that no index provides it (_unindexed):
    PostgreSQL then finds every match through the filters' indexes and sorts them."""
    return (
        queryset.prefetch_related(None)
        .order_by(*(_unindexed(term) for term in _ordering(queryset)))
        .values("pk")
    )


def _unindexed(term) -> OrderBy:
    """The same order, as an expression no index provides: COALESCE(column, column)."""
    if isinstance(term, str):
        name = term.removeprefix("-")
        expression = Coalesce(F(name), F(name))
        return expression.desc() if term.startswith("-") else expression.asc()
    return term


class CappedCountPaginator(DjangoPaginator):
    """Counts exactly up to `exact_limit` matches, estimates beyond; one query (capped_count)."""

    exact_limit = EXACT_COUNT_LIMIT

    @cached_property
    def count(self) -> int:
        count, self.count_is_estimate = capped_count(self.object_list, self.exact_limit)
        return count


class ListedIdsPaginator(DjangoPaginator):
    """Pages over a list of ids already filtered and ordered (gathered full-text matches): the
    count is the list's length, exact."""

    count_is_estimate = False


def gathered_ids(queryset: QuerySet, limit: int) -> list[int] | None:
    """The ids of every match, in the queryset's order, when there are at most `limit`; else None.

    One statement finds the matches through the filters' indexes and sorts them: a full-text
    page then needs no second pass for its count, and its rows are read by id. It is not tried
    when the planner expects more than `limit` matches (a common word: gathering 20,000 of its
    60,000 matches to find out cost 230 ms, walking the list order 45). PostgreSQL only.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {ROW_ESTIMATE_FUNCTION}(%s)", [connection.ops.compose_sql(sql, params)])
        (estimate,) = cursor.fetchone()
    if estimate is not None and estimate > limit:
        return None
    found = first_column(_gathering(queryset)[: limit + 1])
    return found if len(found) <= limit else None


class CappedCountByIdsPaginator(CappedCountPaginator):
    """The capped count, and pages read through their ids (by_ids): for the admin's lists."""

    def _get_page(self, object_list, number, paginator):
        return super()._get_page(by_ids(object_list), number, paginator)


def _positive_int(value: str, *, parameter: str) -> int:
    text = value.strip()
    if not text.isdigit() or int(text) < 1 or len(text) > 18:
        raise ParameterError({parameter: f"{parameter} must be a positive whole number, not {value!r}."})
    return int(text)


class PageNumberPagination(pagination.PageNumberPagination):
    """`page` and `page_size` (capped); answers with `count` and `count_is_estimate`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    max_depth = MAX_PAGE_DEPTH
    last_page_strings = ()
    django_paginator_class = CappedCountPaginator

    def get_page_size(self, request) -> int:
        value = request.query_params.get(self.page_size_query_param)
        if value is None or value == "":
            return self.page_size
        return min(_positive_int(value, parameter=self.page_size_query_param), self.max_page_size)

    def get_page_number(self, request, paginator=None) -> int:
        value = request.query_params.get(self.page_query_param)
        if value is None or value == "":
            return 1
        return _positive_int(value, parameter=self.page_query_param)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        number = self.get_page_number(request)
        if (number - 1) * page_size >= self.max_depth:
            raise ParameterError(
                {
                    self.page_query_param: (
                        f"Pages deeper than {self.max_depth:,} rows are not served; "
                        "pull large result sets with ?pagination=cursor and follow the `next` links."
                    )
                }
            )
        paginator = self.django_paginator_class(queryset, page_size)
        try:
            self.page = paginator.page(number)
        except EmptyPage:
            raise ParameterNotFound(
                parameter=self.page_query_param,
                message=f"Page {number} is beyond the last page ({paginator.num_pages}).",
            ) from None
        return list(self.page_rows(self.page.object_list))

    def page_rows(self, queryset):
        """What a page lists: the model instances (EventPagination may read rows instead)."""
        return queryset

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "count": self.page.paginator.count,
                "count_is_estimate": self.page.paginator.count_is_estimate,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": "Matches; exact up to 10,000, an estimate beyond (page-number mode only).",
                },
                "count_is_estimate": {"type": "boolean"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": f"Page number (pages deeper than {self.max_depth:,} rows are refused).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}, at most {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


class EventPagination(PageNumberPagination):
    """Page numbers by default; keyset pages over (updated_at, id) with `pagination=cursor`."""

    mode_query_param = "pagination"
    cursor_query_param = "cursor"
    modes = ("page", "cursor")
    # Set by the view: the values() columns a page reads (see events.api.serializers.EventRows).
    columns: list[str] | None = None

    def page_rows(self, queryset):
        """The page's rows as dicts of `columns`, read through their ids (by_ids)."""
        if not self.columns:
            return queryset
        if isinstance(queryset, list):  # a page of gathered ids (ListedIdsPaginator)
            rows = {
                row["id"]: row
                for row in self.listed_from.model._base_manager.db_manager(self.listed_from.db)
                .filter(pk__in=queryset)
                .values(*self.columns)
            }
            return [rows[pk] for pk in queryset if pk in rows]
        paginator = self.page.paginator if self.mode == "page" else None
        small = (
            paginator is not None and not paginator.count_is_estimate and paginator.count <= SMALL_MATCH_SET
        )
        return by_ids(queryset.prefetch_related(None), gather=small).values(*self.columns)

    def _mode(self, request) -> str:
        mode = request.query_params.get(self.mode_query_param) or "page"
        if mode not in self.modes:
            raise ParameterError(
                {self.mode_query_param: f"Unknown pagination {mode!r}; allowed: page, cursor."}
            )
        if self.cursor_query_param in request.query_params:
            return "cursor"
        return mode

    def paginate_queryset(self, queryset, request, view=None):
        self.mode = self._mode(request)
        if self.mode == "page":
            if self.columns and any(request.query_params.get(name) for name in GATHERED_FILTERS):
                # Full text, an actor or a source with up to TEXT_GATHER_LIMIT matches: one
                # statement gathers and sorts them all, which gives the count too (a word in
                # 18,000 notes, an actor in 6,500 events: the count and the page each read every
                # match before, 2 × 20–30 ms at 1M events).
                self.get_page_number(request)  # a bad page number is refused before any query
                listed = gathered_ids(queryset, TEXT_GATHER_LIMIT)
                if listed is not None:
                    self.listed_from = queryset
                    self.django_paginator_class = ListedIdsPaginator
                    return super().paginate_queryset(listed, request, view)
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        if request.query_params.get("ordering"):
            raise ParameterError(
                {"ordering": "Cursor pages are always ordered by (updated_at, id); drop ordering."}
            )
        page_size = self.get_page_size(request)
        queryset = queryset.order_by("updated_at", "id")
        position = self.decode_cursor(request.query_params.get(self.cursor_query_param))
        if position:
            # Row-value comparison (updated_at, id) > (…, …): PostgreSQL walks the composite index
            # with it; Django (5.2) writes an equivalent OR where the backend lacks row values.
            queryset = queryset.filter(TupleGreaterThan(Tuple("updated_at", "id"), position))
        rows = list(self.page_rows(queryset[: page_size + 1]))
        self.has_next = len(rows) > page_size
        rows = rows[:page_size]
        self.last_position = self._position(rows[-1]) if rows else None
        return rows

    @staticmethod
    def _position(row) -> tuple[dt.datetime, int]:
        if isinstance(row, dict):
            return row["updated_at"], row["id"]
        return row.updated_at, row.pk

    def decode_cursor(self, value: str | None) -> tuple[dt.datetime, int] | None:
        if not value:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(value.encode("ascii") + b"=" * (-len(value) % 4)))
            updated_at, pk = parse_datetime(data["u"]), data["i"]
            if updated_at is None or updated_at.tzinfo is None:
                raise ValueError
            if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
                raise ValueError
            return updated_at.astimezone(dt.UTC), pk
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error, OverflowError):
            raise ParameterError(
                {self.cursor_query_param: "Invalid cursor; use the `next` link of a previous page as is."}
            ) from None

    @staticmethod
    def encode_cursor(position: tuple[dt.datetime, int]) -> str:
        updated_at, pk = position
        raw = json.dumps({"u": updated_at.isoformat(), "i": pk}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def get_next_link(self) -> str | None:
        if self.mode == "page":
            return super().get_next_link()
        if not self.has_next:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        url = replace_query_param(url, self.mode_query_param, "cursor")
        return replace_query_param(url, self.cursor_query_param, self.encode_cursor(self.last_position))

    def get_paginated_response(self, data) -> Response:
        if self.mode == "page":
            return super().get_paginated_response(data)
        return Response({"next": self.get_next_link(), "previous": None, "results": data})

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.mode_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "`page` (default): numbered pages with a count. `cursor`: stable keyset pages "
                    "ordered by (updated_at, id) for bulk pulls; follow `next` until it is null."
                ),
                "schema": {"type": "string", "enum": list(self.modes)},
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position from the `next` link of a previous page (cursor mode).",
                "schema": {"type": "string"},
            },
        ]
