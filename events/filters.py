"""The event filters of docs/api.md, declared once for the API and the exports.

`EventFilter` works on its own, outside a view::

    params = QueryDict("country=SYR&year=2015&event_type=Battles")
    events = EventFilter(params, queryset=Event.objects.visible_to(user)).qs

`.qs` raises `ParameterError` (a DRF ValidationError: the API answers 400) naming each bad
parameter and the reason; its `.detail` maps parameter names to messages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import django_filters
from django import forms
from django.contrib.postgres.search import SearchConfig, SearchQuery, SearchVectorField
from django.db import connections
from django.db.models import (
    F,
    Func,
    Q,
    QuerySet,
)
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field

from actors.models import Actor
from core.api.filters import (
    DateOrDateTimeFilter,
    ListWidget,
    ReferenceFilter,
    StrictBooleanFilter,
    StrictFilterSet,
    StrictIntegerFilter,
    TiebreakOrderingFilter,
    VocabularyFilter,
)
from core.bounds import MAX_INT
from core.sql import InArray
from core.vocab import (
    DisorderType,
    EventType,
    InterCode,
    SourceKind,
    SourceScale,
    Status,
    SubEventType,
)
from events.models import Citation, Event, EventActor, Source, Tombstone
from places.filters import CountryFilter, PlaceSubtreeFilter

MAX_PERIOD_LEAD = dt.timedelta(days=31)  # see events.models.event_period: a month at most


def _plus(day: dt.date, delta: dt.timedelta) -> dt.date:
    try:
        return day + delta
    except OverflowError:
        return dt.date.max


# Interaction codes ACLED can derive: a lone actor (inter×10) or two, lower digit first.
INTERACTION_CODES = sorted(
    {code * 10 for code in InterCode.values}
    | {a * 10 + b for a in InterCode.values for b in InterCode.values if a <= b}
)


class DateMode:
    OVERLAP = "overlap"
    WITHIN = "within"
    choices = [
        (OVERLAP, "The event's possible period overlaps the range"),
        (WITHIN, "The event's whole possible period lies within the range"),
    ]


# ---------------------------------------------------------------------------------------------
# Form fields: each validates one parameter and names the reason when it cannot.


MAX_EVENT_IDS = 500
# An event id as the importers accept it (ACLED's event_id_cnty, UCDP's ids, Chronicle's own):
# up to 30 characters, no spaces, control characters or commas.
EVENT_ID_PATTERN = r"^[^\s,\x00-\x1f\x7f]{1,30}$"
_EVENT_ID = re.compile(EVENT_ID_PATTERN)


class EventIdsField(forms.CharField):
    """One event id or several (comma-separated, or the parameter repeated), at most MAX_EVENT_IDS."""

    widget = ListWidget

    def clean(self, value):
        if value in self.empty_values:
            return None
        ids = list(dict.fromkeys(value))
        bad = [item for item in ids if not _EVENT_ID.fullmatch(item)]
        if bad:
            raise forms.ValidationError(
                f"Not an event id: {', '.join(repr(item[:40]) for item in bad[:5])} "
                "(ids have at most 30 characters, without spaces).",
                code="invalid",
            )
        if len(ids) > MAX_EVENT_IDS:
            raise forms.ValidationError(
                f"At most {MAX_EVENT_IDS} event ids a request, not {len(ids)}; split the list "
                "(or use the exports for more).",
                code="max_value",
            )
        return ids


# ---------------------------------------------------------------------------------------------
# Filters


class EventIdsFilter(django_filters.CharFilter):
    field_class = EventIdsField


def notes_matching(queryset: QuerySet, words: str) -> QuerySet:
    """The events whose notes match `words`, the one text search of the API and the admin: on
    PostgreSQL web-search syntax over the notes' full-text GIN index (NotesVector); on SQLite
    (development) every word must appear in the notes ("or" and quotes are ignored there)."""
    if connections[queryset.db].vendor == "postgresql":
        query = SearchQuery(words, config="english", search_type="websearch")
        return queryset.alias(notes_fts=NotesVector()).filter(notes_fts=query)
    for word in words.replace('"', " ").split():
        if word.lower() != "or":
            queryset = queryset.filter(notes__icontains=word)
    return queryset


class NotesVector(Func):
    """to_tsvector('english'::regconfig, notes): exactly the expression of the GIN index."""

    function = "to_tsvector"
    output_field = SearchVectorField()

    def __init__(self) -> None:
        super().__init__(SearchConfig("english"), F("notes"))


@dataclass(frozen=True)
class ActorPage:
    """A page of one actor's events (or several's, for a name several actors bear), as
    EventFilter.actor_page reads it from the parameters."""

    actor_ids: list[int]
    statuses: list[str] | None  # the status parameter's; None without one
    descending: bool  # by event_date then id, both descending (the default) or both ascending

    def visible_statuses(self, visible: Sequence[str] | None) -> list[str] | None:
        """The statuses to list for a user who may see `visible` (None: every one)."""
        if visible is None:
            return self.statuses
        if self.statuses is None:
            return list(visible)
        return [status for status in self.statuses if status in visible]


class EventFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        after, before = data.get("date_after"), data.get("date_before")
        if after and before and before < after:
            self.add_error("date_before", "date_before cannot be earlier than date_after.")
        low, high = data.get("fatalities_min"), data.get("fatalities_max")
        if low is not None and high is not None and high < low:
            self.add_error("fatalities_max", "fatalities_max cannot be less than fatalities_min.")
        return data


class EventFilter(StrictFilterSet):
    """Every event filter of the API and the exports (docs/api.md)."""

    # Filters whose matches are found apart from the list order (the notes' GIN index; an actor's
    # or a source's link rows): a page filtered by one gathers its matches (core.paging.gathered_ids)
    # rather than walk the list order or count twice.
    GATHERED = ("q", "actor", "source")

    @classmethod
    def gathers(cls, params) -> bool:
        """Whether these parameters filter by one of the GATHERED filters."""
        return any(params.get(name) for name in cls.GATHERED)

    # The parameters an actor's page may carry and still be read from the event actors' rows
    # alone (events.selectors.actor_event_ids), and the orders it can give: ordering -> descending.
    ACTOR_PAGE_FILTERS = frozenset({"actor", "status", "ordering"})
    ACTOR_PAGE_ORDERINGS = {"": True, "-event_date": True, "event_date": False}

    @classmethod
    def actor_page(cls, params) -> ActorPage | None:
        """What an actor's page needs, when these parameters filter by actor and by nothing else
        the event actors' rows do not hold (status aside) and order by event_date or not at all;
        None otherwise, or for invalid parameters (the filters answer those)."""
        sent = {name for name in cls.base_filters if params.get(name)}
        ordering = params.get("ordering", "")
        if "actor" not in sent or not sent <= cls.ACTOR_PAGE_FILTERS:
            return None
        if ordering not in cls.ACTOR_PAGE_ORDERINGS:
            return None
        form = cls(params, queryset=Event.objects.none()).form
        if not form.is_valid():
            return None
        data = form.cleaned_data
        return ActorPage(data["actor"], data.get("status") or None, cls.ACTOR_PAGE_ORDERINGS[ordering])

    @classmethod
    def period_floor(cls, params) -> dt.date | None:
        """The earliest day a match's period may end on (date_after, year), for validated
        parameters; None without one, or with date_mode=within (which bounds event_date itself)."""
        if params.get("date_mode") == DateMode.WITHIN:
            return None
        days = []
        if params.get("date_after"):
            days.append(cls.base_filters["date_after"].field.clean(params["date_after"]))
        if params.get("year"):
            days.append(dt.date(int(params["year"]), 1, 1))
        return max(days, default=None)

    @classmethod
    def country_codes(cls, params) -> list[str] | None:
        """The alpha-3 codes the country parameter names, for validated parameters; None without one."""
        if not params.get("country"):
            return None
        return cls.base_filters["country"].field.clean(params["country"])

    @classmethod
    def period_ceiling(cls, params) -> dt.date | None:
        """The latest event_date a match may have (date_before, year; overlap mode, as
        _on_or_before bounds it), for validated parameters; None without one."""
        days = []
        if params.get("date_before"):
            days.append(cls.base_filters["date_before"].field.clean(params["date_before"]))
        if params.get("year"):
            days.append(dt.date(int(params["year"]), 12, 31))
        return _plus(min(days), MAX_PERIOD_LEAD) if days else None

    event_id = extend_schema_field(
        {
            "type": "array",
            "items": {"type": "string", "pattern": EVENT_ID_PATTERN},
            "maxItems": MAX_EVENT_IDS,
            "description": (
                f"Events with these ids (SYR12345, UCDP214797): one, or up to {MAX_EVENT_IDS} "
                "separated by commas. Exact, case-sensitive matches; an id that does not exist "
                "matches nothing."
            ),
        }
    )(EventIdsFilter(field_name="event_id", lookup_expr="in"))
    date_after = django_filters.DateFilter(
        method="filter_date_after",
        help_text="Events on or after this date (YYYY-MM-DD); see date_mode.",
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    date_before = django_filters.DateFilter(
        method="filter_date_before",
        help_text="Events on or before this date (YYYY-MM-DD); see date_mode.",
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    date_mode = django_filters.ChoiceFilter(
        choices=DateMode.choices,
        method="filter_nothing",
        empty_label=None,
        help_text=(
            "How date_after, date_before and year treat events known only to the week or month: "
            "`overlap` (default) matches an event whose possible period overlaps the range, "
            "`within` only one whose whole period lies inside it."
        ),
        error_messages={"invalid_choice": "Unknown date_mode %(value)s; allowed: overlap, within."},
    )
    year = extend_schema_field(
        {
            "type": "integer",
            "minimum": 1,
            "maximum": 9999,
            "description": "Events in this year (see date_mode).",
        }
    )(StrictIntegerFilter(method="filter_year", min_value=1, max_value=9999))
    country = CountryFilter(
        field_name="place__country_code",
        lookup_expr="in",
        help_text=(
            "Country as ISO 3166 alpha-2 (SY), alpha-3 (SYR) or name (Syria); several separated by commas."
        ),
    )
    place = PlaceSubtreeFilter(
        method="filter_place",
        help_text="Place id (several separated by commas); includes every place under it.",
    )
    event_type = VocabularyFilter(field_name="event_type", choices=EventType.choices)
    sub_event_type = VocabularyFilter(field_name="sub_event_type", choices=SubEventType.choices)
    disorder_type = VocabularyFilter(field_name="disorder_type", choices=DisorderType.choices)
    actor = ReferenceFilter(
        method="filter_actor",
        model=Actor,
        noun="actor",
        help_text="Actor id or exact name (case-insensitive), in any role.",
    )
    actor_kind = extend_schema_field(
        {
            "type": "integer",
            "enum": InterCode.values,
            "description": (
                "Inter code of any actor in the event, as coded for that event: "
                + ", ".join(f"{value} {label}" for value, label in InterCode.choices)
                + ". Labels are accepted too; comma-separated values match any of them."
            ),
        }
    )(VocabularyFilter(method="filter_actor_kind", choices=InterCode.choices))
    interaction = extend_schema_field(
        {
            "type": "integer",
            "enum": INTERACTION_CODES,
            "description": (
                "ACLED interaction code: the inter codes of actor 1 and actor 2, lower digit first "
                "(12 state forces vs rebels), or inter×10 for a lone actor (60). Comma-separated "
                "values match any of them."
            ),
        }
    )(VocabularyFilter(field_name="interaction", choices=[(code, str(code)) for code in INTERACTION_CODES]))
    fatalities_min = extend_schema_field(
        {"type": "integer", "minimum": 0, "maximum": MAX_INT, "description": "At least this many fatalities."}
    )(StrictIntegerFilter(field_name="fatalities", lookup_expr="gte", min_value=0, max_value=MAX_INT))
    fatalities_max = extend_schema_field(
        {"type": "integer", "minimum": 0, "maximum": MAX_INT, "description": "At most this many fatalities."}
    )(StrictIntegerFilter(field_name="fatalities", lookup_expr="lte", min_value=0, max_value=MAX_INT))
    civilian_targeting = StrictBooleanFilter(
        field_name="civilian_targeting", help_text="true: events targeting civilians; false: the others."
    )
    source = ReferenceFilter(
        method="filter_source",
        model=Source,
        noun="source",
        help_text="Source id or exact name (case-insensitive) cited by the event.",
    )
    status = VocabularyFilter(
        field_name="status",
        choices=Status.choices,
        help_text="Only users who may see drafts see other statuses than published.",
    )
    q = django_filters.CharFilter(
        method="filter_text",
        help_text=(
            'Full-text search over the notes (PostgreSQL web search syntax: words, "a phrase", -word, or).'
        ),
    )
    updated_since = DateOrDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Events created or changed at or after this time (ISO 8601).",
    )
    ordering = TiebreakOrderingFilter(
        fields=["event_date", "updated_at", "created_at", "fatalities", "event_id"],
    )

    class Meta:
        model = Event
        fields: list[str] = []
        form = EventFilterForm

    def _within(self) -> bool:
        return self.form.cleaned_data.get("date_mode") == DateMode.WITHIN

    # The redundant event_date bounds let PostgreSQL walk the (status, event_date) index for the
    # default ordering instead of misjudging the period columns: a period never starts more than
    # a month before its event_date (MAX_PERIOD_LEAD), and never ends before it.
    def _on_or_after(self, qs: QuerySet, day: dt.date) -> QuerySet:
        if self._within():
            return qs.filter(period_start__gte=day, event_date__gte=day)
        return qs.filter(period_end__gte=day)

    def _on_or_before(self, qs: QuerySet, day: dt.date) -> QuerySet:
        if self._within():
            return qs.filter(period_end__lte=day, event_date__lte=day)
        return qs.filter(period_start__lte=day, event_date__lte=_plus(day, MAX_PERIOD_LEAD))

    def filter_nothing(self, qs, name, value):
        return qs

    def filter_date_after(self, qs, name, value):
        return self._on_or_after(qs, value)

    def filter_date_before(self, qs, name, value):
        return self._on_or_before(qs, value)

    def filter_year(self, qs, name, value):
        return self._on_or_before(self._on_or_after(qs, dt.date(value, 1, 1)), dt.date(value, 12, 31))

    def filter_place(self, qs, name, paths):
        condition = Q()
        for path in paths:
            condition |= Q(place__path__startswith=path)
        return qs.filter(condition)

    def filter_actor(self, qs, name, actor_ids):
        return qs.filter(InArray(F("pk"), EventActor.objects.filter(actor__in=actor_ids).values("event_id")))

    def filter_actor_kind(self, qs, name, codes):
        return qs.filter(pk__in=EventActor.objects.filter(inter__in=codes).values("event_id"))

    def filter_source(self, qs, name, source_ids):
        return qs.filter(InArray(F("pk"), Citation.objects.filter(source__in=source_ids).values("event_id")))

    def filter_text(self, qs, name, value):
        return notes_matching(qs, value)


class TombstoneFilter(StrictFilterSet):
    since = DateOrDateTimeFilter(
        field_name="removed_at",
        lookup_expr="gte",
        help_text="Tombstones of events removed at or after this time (ISO 8601).",
    )
    updated_since = DateOrDateTimeFilter(
        field_name="removed_at", lookup_expr="gte", help_text="The same as since."
    )

    class Meta:
        model = Tombstone
        fields: list[str] = []


class SourceFilter(StrictFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="Part of the name.")
    kind = VocabularyFilter(field_name="kind", choices=SourceKind.choices)
    scale = VocabularyFilter(field_name="scale", choices=SourceScale.choices)
    country = CountryFilter(field_name="country", lookup_expr="in", help_text="Country (ISO code or name).")

    class Meta:
        model = Source
        fields: list[str] = []


def as_query_dict(params: Mapping | None) -> QueryDict:
    """Filters as a QueryDict, as a request carries them (a list value: the parameter repeated)."""
    if isinstance(params, QueryDict):
        return params
    query = QueryDict(mutable=True)
    for key, value in (params or {}).items():
        if isinstance(value, list | tuple):
            query.setlist(key, [str(item) for item in value])
        else:
            query[key] = str(value)
    return query
