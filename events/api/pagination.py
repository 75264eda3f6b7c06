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

from django.db import connections
from django.db.models.expressions import RawSQL
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.utils.dateparse import parse_datetime
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.api.exceptions import ParameterError
from core.api.pagination import PageNumberPagination
from core.paging import ListedIdsPaginator, by_ids, gathered_ids
from events.filters import EventFilter
from events.models import PERIOD_REACH_SQL, DateBucket, date_bucket, visible_statuses
from events.selectors import actor_event_ids

# Full-text pages with up to this many matches gather their ids (gathered_ids): walking the
# list order costs a to_tsvector() per row (35 µs) over 50 / (share of rows matching) rows;
# gathering costs one bitmap-heap step per match. PostgreSQL prices that call
# at a fraction of a page read, so it walks: at 1M events a word in 6,431 notes took 1,003 ms
# walked and 81 ms gathered; the two meet near 20,000 matches (45,000: walked 70, gathered 280).
TEXT_GATHER_LIMIT = 20_000
# A page whose exact count is at most this many matches gathers its ids rather than walk the
# date order: a province with 448 events, all years back, walked 105,000 rows of the date index
# (111 ms of SQL at 1M events); gathered, its matches come from the place index (~2 ms).
SMALL_MATCH_SET = 5_000
# A cursor page of a period (date_after=, year=) merges the first rows of each 32-day bucket of
# event dates the period can hold (merged_buckets) when there are at most this many buckets (about
# 5 years); walking (updated_at, id) instead passes every event updated before the period's first
# (600,000–850,000 index entries for 2020 or 2025 at 1M events, 60–90 ms).
PERIOD_BUCKET_LIMIT = 60


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
        if self.mode == "cursor":
            if self.buckets:
                return merged_buckets(queryset, self.buckets).values(*self.columns)
            return by_ids(queryset.prefetch_related(None)).values(*self.columns)
        paginator = self.page.paginator
        small = not paginator.count_is_estimate and paginator.count <= SMALL_MATCH_SET
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
            if self.columns and EventFilter.gathers(request.query_params):
                # Full text, an actor or a source with up to TEXT_GATHER_LIMIT matches: one
                # statement gathers and sorts them all, which gives the count too (a word in
                # 18,000 notes, an actor in 6,500 events: the count and the page each read every
                # match before, 2 × 20–30 ms at 1M events).
                self.get_page_number(request)  # a bad page number is refused before any query
                listed = actor_page_ids(queryset, request)
                if listed is None:
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
        self.buckets = None
        if self.columns:
            self.buckets = period_buckets(queryset, request.query_params, PERIOD_BUCKET_LIMIT)
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


def actor_page_ids(queryset, request) -> list[int] | None:
    """The ids of every match of a page filtered by actor alone (EventFilter.actor_page), in the
    list's order, read from the event actors' rows without touching the events; None for other
    filters or orders, or beyond TEXT_GATHER_LIMIT matches (then gathered_ids or the walk).

    An actor in 6,500 events: gathered through the events, each match is probed in the events'
    index for its status and date (16 ms of SQL at 1M events); here they are one index range.
    The queryset is taken to be the list's: the events the user may see (visible_statuses), with
    the request's filters; its rows are not read, only its database.
    """
    page = EventFilter.actor_page(request.query_params)
    if page is None:
        return None
    return actor_event_ids(
        actor_ids=page.actor_ids,
        statuses=page.visible_statuses(visible_statuses(request.user)),
        descending=page.descending,
        limit=TEXT_GATHER_LIMIT,
        using=queryset.db,
    )


def period_buckets(queryset, params, limit: int) -> tuple[int, int] | None:
    """The first and last date buckets (DateBucket) a period's matches can lie in, or None when
    there is no period floor, more than `limit` buckets, or no PostgreSQL.

    A period filter keeps the events whose period ends on or after its first day (the floor); none
    of them has an event_date before the floor minus the longest reach of any period
    (EventQuerySet.period_reach), nor after the filter's ceiling or the latest event_date. One
    statement reads the reach and the latest date, from two index probes.
    """
    floor = EventFilter.period_floor(params)
    connection = connections[queryset.db]
    if floor is None or connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({PERIOD_REACH_SQL}), (SELECT max(event_date) FROM events_event)")
        reach, latest = cursor.fetchone()
    if latest is None:
        return None
    ceiling = min(filter(None, [EventFilter.period_ceiling(params), latest]))
    first, last = date_bucket(_minus(floor, reach)), date_bucket(ceiling)
    return (first, max(first, last)) if last - first < limit else None


def _minus(day: dt.date, days: int) -> dt.date:
    try:
        return day - dt.timedelta(days=days)
    except OverflowError:
        return dt.date.min


def merged_buckets(sliced, buckets: tuple[int, int]):
    """The rows of a sliced cursor page (ordered by updated_at, id), merged from the date buckets.

    Each bucket's first rows after the position are one range of event_bucket_idx; the page is
    the first rows of those, sorted. generate_series and LATERAL keep it one statement planned
    once, whatever the number of buckets (a UNION ALL of 23 branches took 5 ms to plan).
    """
    limit = sliced.query.high_mark
    branch = sliced.all()
    branch.query.clear_limits()
    branch = (
        branch.prefetch_related(None)
        .alias(bucket=DateBucket())
        .filter(bucket=RawSQL("buckets.n", ()))
        .order_by("updated_at", "id")
        .values("pk", "updated_at")[:limit]
    )
    sql, params = branch.query.sql_with_params()
    ids = RawSQL(
        "SELECT page.pk FROM generate_series(%s, %s) AS buckets(n), "
        f"LATERAL ({sql}) AS page ORDER BY page.updated_at, page.pk LIMIT %s",
        (*buckets, *params, limit),
    )
    model = sliced.model
    rows = model._base_manager.db_manager(sliced.db).filter(pk__in=ids).order_by("updated_at", "id")
    rows.query.select_related = sliced.query.select_related
    return rows
