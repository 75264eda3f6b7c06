"""GET /api/v1/events/aggregate/: counts of events and fatalities by key and period (events/aggregates.py)."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.gzip import gzip_page
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.filters import FilterBackend
from core.api.views import ChronicleAPIMixin
from core.vocab import Status
from events.aggregates import (
    ALL_COLUMNS,
    KEYS,
    MAX_PLACES,
    MAX_ROWS,
    PERIOD_HELP,
    PERIODS,
    AggregateResult,
    aggregate,
)
from events.filters import EventFilter
from events.models import Event

BY_PARAMETER = OpenApiParameter(
    "by",
    type={"type": "array", "items": {"type": "string", "enum": list(KEYS)}},
    style="form",
    explode=False,
    description=(
        "Comma-separated keys to group by. admin1 and admin2 bring their country (and admin2 its "
        "admin1), place its country, sub_event_type its event_type. actor counts an event once per "
        "actor in any role, source once per source cited. place gives each place's coordinates, for "
        f"a map: at most {MAX_PLACES:,} places a request. Without `by`: totals."
    ),
)
PERIOD_PARAMETER = OpenApiParameter(
    "period",
    type={"type": "string", "enum": list(PERIODS)},
    description="Buckets of event_date: "
    + "; ".join(f"{name}: {text}" for name, text in PERIOD_HELP.items())
    + ".",
)
FILL_PARAMETER = OpenApiParameter(
    "fill",
    type={"type": "string", "enum": ["0", "1", "true", "false"]},
    description=(
        "1: every period between the date filters' bounds (or the data's first and last dates) for "
        f"each key combination present, with zeros where there were no events; at most {MAX_ROWS:,} "
        "rows. Needs `period`."
    ),
)
AGGREGATE_OPENAPI_PARAMETERS = [BY_PARAMETER, PERIOD_PARAMETER, FILL_PARAMETER]

_JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "date": "string"}


def _property(column) -> dict:
    schema = {"type": _JSON_TYPES[column.type], "description": column.description}
    if column.type == "date":
        schema["format"] = "date"
    if column.name not in ("events", "fatalities"):
        schema["nullable"] = True
    return schema


AGGREGATE_RESPONSE = {
    "type": "object",
    "required": ["by", "period", "fill", "statuses", "columns", "count", "results"],
    "properties": {
        "by": {"type": "array", "items": {"type": "string", "enum": list(KEYS)}},
        "period": {"type": "string", "enum": list(PERIODS), "nullable": True},
        "fill": {"type": "boolean"},
        "statuses": {
            "type": "array",
            "items": {"type": "string", "enum": list(Status.values)},
            "description": "The statuses counted: published unless the status filter asks for others "
            "(and the caller may see them).",
        },
        "start": {"type": "string", "format": "date", "nullable": True, "description": "Padded from (fill)."},
        "end": {"type": "string", "format": "date", "nullable": True, "description": "Padded to (fill)."},
        "columns": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The rows' members, in order.",
        },
        "count": {"type": "integer", "description": "Rows."},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["events", "fatalities", "first_date", "last_date"],
                "properties": {column.name: _property(column) for column in ALL_COLUMNS},
            },
        },
    },
}


def aggregate_payload(result: AggregateResult) -> dict:
    """The JSON answer: what was asked, the statuses counted, and the rows."""
    columns = result.columns
    return {
        "by": list(result.spec.by),
        "period": result.spec.period,
        "fill": result.spec.fill,
        "statuses": result.statuses,
        "start": result.start.isoformat() if result.start else None,
        "end": result.end.isoformat() if result.end else None,
        "columns": [column.name for column in columns],
        "count": len(result.rows),
        "results": result.rows,  # in the columns' order; the renderer writes dates as ISO text
    }


# Gzipped for clients that accept it (Django's GZipMiddleware, on this view only): an aggregate
# over everything is megabytes of JSON (country × month: 4.4 MB, 350 KB gzipped), the explorer's
# map 1 MB (94 KB). Safe from BREACH: a GET whose body holds counts of what the filters ask and no
# secret (no CSRF token, no session data) for a reflected guess to be compressed against.
@method_decorator(gzip_page, name="dispatch")
class EventAggregateView(ChronicleAPIMixin, APIView):
    """Events and fatalities grouped by country, admin1, admin2, place, type, actor or source, per period."""

    # The event list's filters (this is no list view) and by, period, fill; no pages.
    filter_backends = [FilterBackend]
    filterset_class = EventFilter  # get() filters through events.aggregates
    filter_parameters = True
    query_parameters = AGGREGATE_OPENAPI_PARAMETERS
    queryset = Event.objects.none()  # the model, for permissions and the schema

    @extend_schema(
        summary="Aggregate events",
        description=(
            "Events and fatalities by key and period, with every filter of the event list. Published "
            "events unless the `status` filter asks for others (users who may see drafts only). One "
            "row per key combination and period: the keys with readable names, `period` (its first "
            "day), `events`, `fatalities`, `first_date`, `last_date`."
        ),
        responses={200: OpenApiResponse(AGGREGATE_RESPONSE, description="The rows.")},
    )
    def get(self, request, *args, **kwargs) -> Response:
        return Response(aggregate_payload(aggregate(user=request.user, params=request.query_params)))
