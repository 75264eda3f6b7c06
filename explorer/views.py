"""The public explorer (/explore/) and event pages (/events/<event_id>/): server-rendered pages
whose maps and charts are fed by the aggregates API, never by shipping every event."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from core.api.exceptions import ParameterError
from core.vocab import DisorderType, EventType, Status, SubEventType
from events.aggregates import MAX_PLACES, AggregateSpec, aggregate
from events.filters import EventFilter
from events.models import Event, Tombstone
from events.selectors import event_history
from places.models import Place

EVENTS_SHOWN = 25  # the first page of the explorer's event list
TABLE_ROWS = 20  # admin1 rows of the counts table, most events first
# One colour per event type, for the map, the timeline and the legend (ACLED-like hues).
EVENT_TYPE_COLOURS = {
    EventType.BATTLES: "#c0392b",
    EventType.EXPLOSIONS: "#e67e22",
    EventType.VIOLENCE_AGAINST_CIVILIANS: "#8e44ad",
    EventType.PROTESTS: "#2980b9",
    EventType.RIOTS: "#16a085",
    EventType.STRATEGIC_DEVELOPMENTS: "#7f8c8d",
}
# The explorer's form: the event list's filters an analyst uses most (the API takes all of them).
FORM_FILTERS = (
    "country",
    "date_after",
    "date_before",
    "event_type",
    "sub_event_type",
    "disorder_type",
    "actor",
    "fatalities_min",
    "q",
)
# The downloads: the HTTP exports, with the same filters.
DOWNLOADS = (
    ("CSV", "export-events-csv"),
    ("ACLED CSV", "export-events-acled"),
    ("XLSX", "export-events-xlsx"),
    ("GeoJSON", "export-events-geojson"),
)


def filter_params(request: HttpRequest) -> dict[str, str]:
    """The request's non-empty event filters (those the list, aggregates and exports accept);
    anything else in the URL is left out of every link the page builds."""
    return {
        name: value.strip()
        for name, value in request.GET.items()
        if name in EventFilter.base_filters and name != "ordering" and value.strip()
    }


def _events_for(request: HttpRequest, params: dict[str, str]):
    """The events the page covers, as the aggregates count them: published ones unless a user
    who may see drafts asks for other statuses with the `status` filter."""
    events = Event.objects.visible_to(request.user)
    if not params.get("status"):
        events = events.published()
    return EventFilter(params, queryset=events)


def _bad_filters(request: HttpRequest, context: dict, errors) -> HttpResponse:
    """The page with the form and what is wrong with which filter (400), and nothing else."""
    context["errors"] = {
        name: " ".join(str(message) for message in messages) for name, messages in errors.items()
    }
    return render(request, "explorer/explore.html", context, status=400)


def explore(request: HttpRequest) -> HttpResponse:
    """The explorer: the filter form, a map and a timeline (loaded from the aggregates API by
    explorer.js), counts by admin1, the first page of events and the downloads."""
    params = filter_params(request)
    query = urlencode(params)
    filterset = _events_for(request, params)
    context = {
        "params": params,
        "query": query,
        "countries": Place.objects.countries().order_by("name").values_list("country_code", "name"),
        "event_types": EventType.choices,
        "sub_event_types": SubEventType.choices,
        "disorder_types": DisorderType.choices,
        "colours": [(value, EVENT_TYPE_COLOURS[value]) for value in EventType.values],
        "colours_json": json.dumps({value: EVENT_TYPE_COLOURS[value] for value in EventType.values}),
        "form_filters": FORM_FILTERS,
        "downloads": [(label, reverse(name), query) for label, name in DOWNLOADS],
        "aggregate_url": reverse("event-aggregate"),
    }
    if not filterset.is_valid():
        return _bad_filters(request, context, filterset.errors)
    try:
        counts = aggregate(user=request.user, params=params, spec=AggregateSpec(by=("admin1",))).rows
        events = list(
            filterset.qs.select_related("place")
            .prefetch_related("event_actors__actor")
            .order_by("-event_date", "-id")[:EVENTS_SHOWN]
        )
    except ParameterError as error:  # e.g. an actor name that matches none
        return _bad_filters(request, context, error.detail)
    total_events = sum(row["events"] for row in counts)
    first_dates = [row["first_date"] for row in counts]
    last_dates = [row["last_date"] for row in counts]
    first, last = (min(first_dates), max(last_dates)) if counts else (None, None)
    # Weeks for a span of a year or less, months beyond: a readable number of bars.
    period = "week" if first and (last - first).days <= 366 else "month"
    context.update(
        total_events=total_events,
        total_fatalities=sum(row["fatalities"] for row in counts),
        first=first,
        last=last,
        period=period,
        # Fewer events than an answer's places: one point per place is sure to fit; beyond, the
        # map starts from admin1 points (explorer.js still tries places if asked for them).
        map_level="place" if total_events <= MAX_PLACES else "admin1",
        table=sorted(counts, key=lambda row: (-row["events"], row["country"] or "", row["admin1"]))[
            :TABLE_ROWS
        ],
        table_rows=len(counts),
        events=events,
    )
    return render(request, "explorer/explore.html", context)


def public_history(event: Event) -> list[dict]:
    """The event's history from its first publication on: what the public may know of its changes
    (when, what kind, which fields, why), never the draft-era entries."""
    entries = event_history(event=event, show_users=False)
    first = next((i for i, entry in enumerate(entries) if entry["status"] == Status.PUBLISHED), None)
    return [] if first is None else entries[first:]


def event_page(request: HttpRequest, event_id: str) -> HttpResponse:
    """A published event's public page; a retracted or deleted one shows only a tombstone notice
    (410), anything unpublished is a 404 for everyone (curators use the admin)."""
    event = Event.objects.filter(event_id=event_id).with_related().first()
    if event is not None and event.status == Status.RETRACTED:
        notice = {
            "event_id": event.event_id,
            "removed_at": event.retracted_at,
            "reason": event.get_retraction_reason_display(),
        }
        return render(request, "explorer/tombstone.html", {"notice": notice}, status=410)
    if event is None:
        tombstone = Tombstone.objects.filter(event_id=event_id).first()
        if tombstone is None:
            raise Http404("No such public event.")
        notice = {
            "event_id": tombstone.event_id,
            "removed_at": tombstone.removed_at,
            "reason": tombstone.get_reason_display(),
            "deleted": tombstone.deleted,
        }
        return render(request, "explorer/tombstone.html", {"notice": notice}, status=410)
    if event.status != Status.PUBLISHED:
        raise Http404("No such public event.")
    return render(
        request,
        "explorer/event.html",
        {
            "event": event,
            "place": event.place,
            "actors": list(event.event_actors.all()),
            "citations": list(event.citations.all()),
            "history": public_history(event),
            "colour": EVENT_TYPE_COLOURS.get(event.event_type, "#555555"),
        },
    )
