"""ACLED's read endpoints over Chronicle's data: ACLED's URLs, parameters and response shapes.

Each view parses the request (query.py), asks the database for one page of rows and streams it
as ACLED's JSON envelope or as CSV. Parameters are checked before the first byte is sent, so a bad
one is an ACLED-style 4xx and never a broken stream; rows are streamed in constant memory.

Like ACLED's, this API serves published events only, to every caller: rows, counts, the summaries
and `last_update` alike (credentials identify the caller, they do not widen what it sees). Reads of
every row (`limit=0`) or of more than ACLED's default page run under the bulk statement timeout
(config/statement_timeout.py); a statement the database cancels answers 503.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.db import OperationalError
from django.db.models import Count, Max, Min, QuerySet
from django.db.models.functions import Coalesce
from django.http import JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.views import View

from config.statement_timeout import (
    bulk_statement_timeout,
    bulk_stream,
    statement_cancelled,
    too_broad_message,
)
from core.countries import ACLED_REGIONS, REGION_OF, country_by_iso3
from core.vocab import InterCode, inter_label, interaction_label
from events.acled import ACLED_COLUMNS
from events.acled_api.auth import AcledAuthError, Throttled, acled_caller, check_throttle
from events.acled_api.query import (
    ACTOR_FILTERS,
    ACTOR_TYPE_FILTERS,
    COUNTRY_FILTERS,
    DEFAULT_LIMIT,
    DELETED_FILTERS,
    EVENT_FILTERS,
    REGION_FILTERS,
    Condition,
    Filter,
    Paging,
    QueryError,
    conditions_match,
    conditions_q,
    parse_fields,
    parse_filters,
    parse_flag,
    parse_format,
    parse_paging,
    refuse_nul,
)
from events.exports.columns import acled_values
from events.exports.query import export_rows
from events.models import Event, EventActor
from events.selectors import tombstone_list

ROWS_PER_WRITE = 500  # rows joined into one chunk of the streamed body


def acled_error(status: int, message: str, **headers: str) -> JsonResponse:
    """ACLED's error envelope: `error` carries the status and the message."""
    body = {"status": status, "success": False, "error": {"status": status, "message": message}}
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _auth_error(exc: AcledAuthError) -> JsonResponse:
    if exc.status == 401:  # a bad Authorization header: say which scheme to use
        return acled_error(401, exc.message, WWW_Authenticate=exc.challenge)
    return acled_error(exc.status, exc.message)


@dataclass
class Answer:
    """One page of rows (Python values), and how to count it and everything that matched."""

    rows: Iterable[dict]
    count: Callable[[], int]
    total: Callable[[], int]


def _text(value) -> str:
    """A value as ACLED writes it in JSON: text throughout (dates as YYYY-MM-DD, blanks as "")."""
    if value.__class__ is str:
        return value
    return "" if value is None else str(value)  # str() of a date is its ISO form


def _hours_since_last_update(events: QuerySet) -> int:
    """ACLED's `last_update`: whole hours since the newest change among the published events."""
    newest = events.aggregate(newest=Max("updated_at"))["newest"]
    return int((timezone.now() - newest).total_seconds() // 3600) if newest else 0


def _envelope(answer: Answer, *, with_total: bool) -> dict:
    """ACLED's JSON head, in ACLED's key order (`data` follows)."""
    head = {
        "status": 200,
        "success": True,
        "last_update": _hours_since_last_update(Event.objects.published()),
        "count": answer.count(),
    }
    if with_total:
        head["total_count"] = answer.total()
    head["messages"] = []
    return head


class AcledReadView(View):
    """GET /api/<data>/read[.csv|.json|.txt]: filter, page and stream one of ACLED's tables."""

    columns: tuple[str, ...] = ()
    filters: dict[str, Filter] = {}
    http_method_names = ["get", "head", "options"]
    inter_labels = False  # `inter_num=0`: inter codes and interactions as ACLED's text labels

    def get(self, request, suffix: str | None = None):
        try:
            params = request.GET
            refuse_nul(params)
            user = acled_caller(request)
            check_throttle(request, user)
            response_format = parse_format(params, suffix or "")
            columns = parse_fields(params, self.columns)
            paging = parse_paging(params)
            with_total = parse_flag(params, "with_total")
            self.inter_labels = not parse_flag(params, "inter_num", default=True)
            conditions = parse_filters(params, self.filters)
        except QueryError as exc:
            return acled_error(400, f"{exc.parameter}: {exc.message}")
        except AcledAuthError as exc:
            return _auth_error(exc)
        except Throttled as exc:
            wait = max(1, round(exc.wait or 1))
            return acled_error(429, f"Request was throttled; try again in {wait} s.", Retry_After=str(wait))
        # Every row, or more than a default page: the counts and the streamed rows get the bulk
        # timeout, on the connection that reads them (the replica's, if the router picks it).
        bulk = paging.limit is None or paging.limit > DEFAULT_LIMIT
        using = Event.objects.all().db
        try:
            with bulk_statement_timeout(using=using) if bulk else contextlib.nullcontext():
                answer = self.answer(conditions=conditions, paging=paging)
                # The envelope's counts are queried before the first byte: the body then only streams.
                head = _envelope(answer, with_total=with_total) if response_format == "json" else {}
        except OperationalError as exc:
            if not statement_cancelled(exc):
                raise
            return acled_error(503, too_broad_message(exc))
        if response_format == "json":
            body, content_type = _json_body(head, answer.rows, columns), "application/json"
        else:
            body = _csv_body(answer.rows, columns)
            content_type = f"{'text/csv' if response_format == 'csv' else 'text/plain'}; charset=utf-8"
        return StreamingHttpResponse(
            bulk_stream(body, using=using) if bulk else body, content_type=content_type
        )

    def http_method_not_allowed(self, request, *args, **kwargs):
        return acled_error(405, f"{request.method} is not supported; read with GET.", Allow="GET, HEAD")

    def answer(self, *, conditions: list[list[Condition]], paging: Paging) -> Answer:
        raise NotImplementedError


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json_body(head: dict, rows: Iterable[dict], columns: tuple[str, ...]) -> Iterator[str]:
    yield _json(head)[:-1] + ',"data":['
    separator = ""
    for batch in _batches(rows):
        yield separator + ",".join(_json({column: _text(row[column]) for column in columns}) for row in batch)
        separator = ","
    yield "]}"


def _csv_body(rows: Iterable[dict], columns: tuple[str, ...]) -> Iterator[str]:
    # csv writes None as "" and a date as YYYY-MM-DD, as ACLED's CSV has them.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield buffer.getvalue()
    for batch in _batches(rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([row[column] for column in columns] for row in batch)
        yield buffer.getvalue()


def _batches(rows: Iterable[dict]) -> Iterator[list[dict]]:
    rows = iter(rows)
    while batch := list(islice(rows, ROWS_PER_WRITE)):
        yield batch


def _page_of(queryset: QuerySet, paging: Paging) -> QuerySet:
    start, end = paging.bounds
    return queryset[start:end]


def _pinned(queryset: QuerySet) -> QuerySet:
    # The body is streamed after the view returns, outside the request's replica context.
    return queryset.using(queryset.db)


def _in_memory(rows: list[dict], conditions: list[list[Condition]], paging: Paging) -> Answer:
    """Paging and filtering for the small aggregated tables (countries, regions, actor types)."""
    matching = [row for row in rows if conditions_match(conditions, row)]
    start, end = paging.bounds
    page = matching[start:end]
    return Answer(rows=page, count=lambda: len(page), total=lambda: len(matching))


def _published_event_ids() -> QuerySet:
    return Event.objects.published().values("pk")


class EventRead(AcledReadView):
    """/api/acled/read: published events in ACLED's columns, newest first (as ACLED orders them)."""

    columns = ACLED_COLUMNS
    filters = EVENT_FILTERS

    def answer(self, *, conditions, paging) -> Answer:
        # Paged here, not by events.paging.EventPaginator: ACLED's `count` and `total_count` are
        # exact, a page is as long (limit=0: every row) and as deep as the caller asks, streamed
        # through export_rows, and the conditions are ACLED's, not the EventFilter parameters from
        # which the paginator decides to gather.
        matching = _pinned(
            Event.objects.published()
            .filter(conditions_q(conditions, self.filters))
            .order_by("-event_date", "-id")
        )
        page = _page_of(matching, paging)
        return Answer(
            rows=_acled_rows(page, labels=self.inter_labels), count=page.count, total=matching.count
        )


def _acled_rows(events: QuerySet, *, labels: bool = False) -> Iterator[dict]:
    """Events as ACLED rows, built as the ACLED CSV export builds them (one query, no escaping:
    this is a machine interface, like ACLED's own). With `labels` (`inter_num=0`), `inter1`,
    `inter2` and `interaction` are ACLED's text labels instead of numbers."""
    for row in export_rows(events):
        values = dict(zip(ACLED_COLUMNS, acled_values(row, escape=False), strict=True))
        if labels:
            values["inter1"] = inter_label(values["inter1"])
            values["inter2"] = inter_label(values["inter2"])
            values["interaction"] = interaction_label(values["interaction"])
        yield values


class DeletedRead(AcledReadView):
    """/api/deleted/read: the events a synced copy must drop, as ACLED lists them.

    These are the tombstones: retracted and deleted public events. Events merged into another one
    belong here too (their tombstones are the same kind of row), so that acledR's acled_update()
    removes them; whatever marks a merge must leave a tombstone that tombstone_list() returns."""

    columns = ("event_id_cnty", "deleted_timestamp")
    filters = DELETED_FILTERS

    def answer(self, *, conditions, paging) -> Answer:
        matching = _pinned(tombstone_list().filter(conditions_q(conditions, self.filters)))
        page = _page_of(matching, paging)
        rows = (
            {"event_id_cnty": event_id, "deleted_timestamp": int(removed_at.timestamp())}
            for event_id, removed_at in page.values_list("event_id", "removed_at").iterator()
        )
        return Answer(rows=rows, count=page.count, total=matching.count)


_SUMMARY = {
    "first_event_date": Min("event__event_date"),
    "last_event_date": Max("event__event_date"),
    "event_count": Count("event", distinct=True),
}


class ActorRead(AcledReadView):
    """/api/actor/read: each actor's first and last event dates and event count (published events)."""

    columns = ("actor_name", "first_event_date", "last_event_date", "event_count")
    filters = ACTOR_FILTERS

    def answer(self, *, conditions, paging) -> Answer:
        matching = _pinned(
            EventActor.objects.filter(event__in=_published_event_ids())
            .values("actor__name")
            .annotate(**_SUMMARY)
            .filter(conditions_q(conditions, self.filters))
            .order_by("actor__name")
        )
        page = _page_of(matching, paging)
        rows = ({"actor_name": row.pop("actor__name"), **row} for row in page.iterator())
        return Answer(rows=rows, count=page.count, total=matching.count)


class ActorTypeRead(AcledReadView):
    """/api/actortype/read: the eight inter codes, as coded per event."""

    columns = ("actor_type_id", "actor_type_name", "first_event_date", "last_event_date", "event_count")
    filters = ACTOR_TYPE_FILTERS

    def answer(self, *, conditions, paging) -> Answer:
        groups = (
            EventActor.objects.filter(event__in=_published_event_ids())
            .values(actor_type_id=Coalesce("inter", "actor__kind"))
            .annotate(**_SUMMARY)
            .order_by("actor_type_id")
        )
        rows = [{**row, "actor_type_name": InterCode(row["actor_type_id"]).label} for row in groups]
        return _in_memory(rows, conditions, paging)


def _countries() -> list[dict]:
    """One row per country with published events, in ACLED's naming (one aggregate query)."""
    groups = (
        Event.objects.published()
        .values("place__country_code")
        .annotate(
            name=Max("place__country_name"),
            first_event_date=Min("event_date"),
            last_event_date=Max("event_date"),
            event_count=Count("id"),
        )
        .order_by()
    )
    rows = []
    for group in groups:
        code = group["place__country_code"]
        country = country_by_iso3(code) if code else None
        rows.append(
            {
                "country": group["name"] or (country.name if country else code),
                "iso": country.numeric if country else None,
                "iso3": code,
                "region_id": country.region_id if country else None,
                "first_event_date": group["first_event_date"],
                "last_event_date": group["last_event_date"],
                "event_count": group["event_count"],
            }
        )
    return rows


class CountryRead(AcledReadView):
    """/api/country/read: countries with published events, by name."""

    columns = ("country", "iso", "iso3", "first_event_date", "last_event_date", "event_count")
    filters = COUNTRY_FILTERS

    def answer(self, *, conditions, paging) -> Answer:
        rows = sorted(_countries(), key=lambda row: row["country"].casefold())
        return _in_memory(rows, conditions, paging)


class RegionRead(AcledReadView):
    """/api/region/read: ACLED's regions with published events, by region number."""

    columns = ("region", "region_name", "first_event_date", "last_event_date", "event_count")
    filters = REGION_FILTERS

    def answer(self, *, conditions, paging) -> Answer:
        regions: dict[int, dict] = {}
        for country in _countries():
            region_id = REGION_OF.get(country["iso3"])
            if region_id is None:
                continue
            row = regions.setdefault(
                region_id,
                {
                    "region": region_id,
                    "region_name": ACLED_REGIONS[region_id],
                    "first_event_date": country["first_event_date"],
                    "last_event_date": country["last_event_date"],
                    "event_count": 0,
                },
            )
            row["first_event_date"] = min(row["first_event_date"], country["first_event_date"])
            row["last_event_date"] = max(row["last_event_date"], country["last_event_date"])
            row["event_count"] += country["event_count"]
        return _in_memory([regions[key] for key in sorted(regions)], conditions, paging)


class CheckRead(View):
    """/api/check/read: whether `key` and `email` are accepted (acledR's acled_access() asks this)."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, suffix: str | None = None):
        try:
            refuse_nul(request.GET)
            user = acled_caller(request)
        except QueryError as exc:
            return acled_error(400, f"{exc.parameter}: {exc.message}")
        except AcledAuthError as exc:
            return _auth_error(exc)
        message = (
            "Credentials authorized." if user.is_authenticated else "No credentials: published events only."
        )
        return JsonResponse({"status": 200, "success": True, "messages": [message], "data": []})


class UnknownRead(View):
    """/api/<data>/read for data Chronicle does not hold (CAST forecasts, …): ACLED-style 404."""

    def get(self, request, data: str, suffix: str | None = None):
        return acled_error(
            404,
            f"Chronicle does not serve ACLED's {data!r} data; it serves acled, deleted, actor, "
            "actortype, country and region.",
        )

    def http_method_not_allowed(self, request, *args, **kwargs):
        return acled_error(405, f"{request.method} is not supported; read with GET.", Allow="GET, HEAD")
