"""The event filters of docs/api.md, declared once for the API and the exports.

`EventFilter` works on its own, outside a view::

    params = QueryDict("country=SYR&year=2015&event_type=Battles")
    events = EventFilter(params, queryset=Event.objects.visible_to(user)).qs

`.qs` raises `ParameterError` (a DRF ValidationError: the API answers 400) naming each bad
parameter and the reason; its `.detail` maps parameter names to messages.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from collections.abc import Iterable

import django_filters
from django import forms
from django.contrib.postgres.search import SearchConfig, SearchQuery, SearchVectorField
from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, Subquery
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.widgets import BaseCSVWidget
from drf_spectacular.utils import extend_schema_field

from actors.models import Actor
from core.bounds import MAX_ID, MAX_INT
from core.vocab import DisorderType, EventType, InterCode, SourceKind, SourceScale, Status, SubEventType
from events.api.exceptions import ParameterError
from events.models import Citation, Event, EventActor, Source, Tombstone
from events.sql import ids_in
from places.countries import lookup_country
from places.models import Place, PlaceKind

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


def resolve_country(value: str) -> str | None:
    """ISO alpha-3 code for an ISO alpha-2/alpha-3 code or a country name; None if unknown."""
    text = value.strip()
    if not text or "\x00" in text:  # PostgreSQL refuses NUL in text: no country has one
        return None
    country = lookup_country(text)
    if country:
        return country.iso3
    # Countries recorded in the database under a name or code the country table does not know.
    row = (
        Place.objects.filter(kind=PlaceKind.COUNTRY)
        .filter(Q(name__iexact=text) | Q(country_code__iexact=text))
        .values_list("country_code", flat=True)
        .first()
    )
    return row or None


# ---------------------------------------------------------------------------------------------
# Form fields: each validates one parameter and names the reason when it cannot.


class ListWidget(BaseCSVWidget, forms.TextInput):
    """Comma-separated values; a repeated parameter (?x=a&x=b) is read as well."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        values = [value for value in values if value is not None]
        if not values:
            return None
        return [item.strip() for value in values for item in str(value).split(",") if item.strip()]


class VocabularyValue(forms.CharField):
    """One value of a controlled vocabulary, matched case-insensitively to its canonical spelling."""

    widget = ListWidget

    def __init__(self, *, choices: Iterable, **kwargs) -> None:
        kwargs.pop("null_label", None)
        super().__init__(**kwargs)
        self.choices = list(choices)
        self.allowed = {str(value).lower(): value for value, _ in self.choices}
        for value, label in self.choices:
            self.allowed.setdefault(str(label).lower(), value)

    def clean(self, value):
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            return self.allowed[text.lower()]
        except KeyError:
            allowed = ", ".join(
                f"{value} ({label})" if isinstance(value, int) and str(value) != str(label) else str(value)
                for value, label in self.choices
            )
            raise forms.ValidationError(
                f"Unknown value {text!r}; allowed values: {allowed}.", code="invalid_choice"
            ) from None


class StrictIntegerField(forms.IntegerField):
    """An integer that fits the database column; a decimal like 1.5 is refused, not rounded."""

    default_error_messages = {"invalid": "Enter a whole number."}

    def to_python(self, value):
        if isinstance(value, str) and not value.strip().lstrip("+-").isdigit() and value.strip():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class StrictBooleanField(forms.CharField):
    """true/false (also 1/0, yes/no); anything else is an error rather than ignored."""

    TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}

    def clean(self, value):
        text = (super().clean(value) or "").lower()
        if not text:
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Enter true or false.", code="invalid")


class DateOrDateTimeField(forms.CharField):
    """An ISO 8601 date-time (a date alone means its midnight, UTC); naive times are UTC."""

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            parsed = parse_datetime(text)
            if parsed is None:
                day = parse_date(text)
                parsed = dt.datetime.combine(day, dt.time.min) if day else None
            if parsed is None:
                raise ValueError
            if timezone.is_naive(parsed):
                parsed = parsed.replace(tzinfo=dt.UTC)
            return parsed.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            raise forms.ValidationError(
                f"{text!r} is not an ISO 8601 date or date-time (e.g. 2024-05-01T12:00:00Z).",
                code="invalid",
            ) from None


class CountryField(forms.CharField):
    """One or more countries (comma-separated) as ISO alpha-2, alpha-3 or name -> alpha-3 codes."""

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        whole = resolve_country(text)
        if whole:
            return [whole]
        codes, unknown = [], []
        for item in (part.strip() for part in text.split(",")):
            if item:
                code = resolve_country(item)
                if code:
                    codes.append(code)
                else:
                    unknown.append(item)
        if unknown or not codes:
            raise forms.ValidationError(
                f"Unknown country {', '.join(map(repr, unknown or [text]))}; "
                "use an ISO 3166 code (SY, SYR) or a country name.",
                code="invalid_choice",
            )
        return codes


def _parse_id(text: str) -> int | None:
    if text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


class PlaceIdsField(forms.CharField):
    """Place ids (comma-separated) -> their materialised paths."""

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        items = [item.strip() for item in text.split(",") if item.strip()]
        bad = [item for item in items if _parse_id(item) is None]
        if bad:
            raise forms.ValidationError(
                f"Place ids are positive whole numbers; got {', '.join(map(repr, bad))}.", code="invalid"
            )
        ids = {int(item) for item in items}
        paths = dict(Place.objects.filter(pk__in=ids).values_list("pk", "path"))
        missing = sorted(ids - set(paths))
        if missing:
            raise forms.ValidationError(
                f"No place with id {', '.join(map(str, missing))}.", code="invalid_choice"
            )
        return sorted(paths.values())


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


class ReferenceField(forms.CharField):
    """An id or a name (case-insensitive) of a row of `model` -> the matching primary keys."""

    def __init__(self, *, model=None, noun: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.model, self.noun = model, noun

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        condition = Q(name__iexact=text)
        if _parse_id(text) is not None:
            condition |= Q(pk=int(text))
        ids = list(self.model.objects.filter(condition).values_list("pk", flat=True))
        if not ids:
            raise forms.ValidationError(f"No {self.noun} with id or name {text!r}.", code="invalid_choice")
        return ids


# ---------------------------------------------------------------------------------------------
# Filters


class VocabularyFilter(django_filters.BaseInFilter):
    """Any of several comma-separated values of a vocabulary (event_type=Battles,Riots)."""

    field_class = VocabularyValue

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("help_text", "Comma-separated values match any of them.")
        super().__init__(*args, **kwargs)


class StrictIntegerFilter(django_filters.NumberFilter):
    field_class = StrictIntegerField


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class DateOrDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = DateOrDateTimeField


class EventIdsFilter(django_filters.CharFilter):
    field_class = EventIdsField


class ReferenceFilter(django_filters.CharFilter):
    field_class = ReferenceField


class CountryFilter(django_filters.CharFilter):
    field_class = CountryField


class PlaceSubtreeFilter(django_filters.CharFilter):
    field_class = PlaceIdsField


class TiebreakOrderingFilter(django_filters.OrderingFilter):
    """Ordering by whitelisted fields, ending with the id so that pages never overlap."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        allowed = ", ".join(value for value, _ in self.extra["choices"])
        self.extra.setdefault(
            "error_messages", {"invalid_choice": f"Unknown ordering %(value)s; allowed: {allowed}."}
        )
        self.extra.setdefault("help_text", f"Comma-separated fields, '-' for descending. Allowed: {allowed}.")

    def filter(self, qs, value):
        value = [param for param in value or [] if param]  # "ordering=," names no field
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        tiebreak = "-id" if ordering[-1].startswith("-") else "id"
        return qs.order_by(*ordering, tiebreak)


class NotesVector(Func):
    """to_tsvector('english'::regconfig, notes): exactly the expression of the GIN index."""

    function = "to_tsvector"
    output_field = SearchVectorField()

    def __init__(self) -> None:
        super().__init__(SearchConfig("english"), F("notes"))


@functools.cache
def _form_field(filterset: type[django_filters.FilterSet], name: str) -> forms.Field:
    """The form field of one of a FilterSet's filters, built once (its label needs the model)."""
    filter_ = copy.copy(filterset.base_filters[name])
    filter_.model = filterset._meta.model
    return filter_.field


@functools.lru_cache(maxsize=512)
def _form_class(filterset: type[django_filters.FilterSet], names: tuple[str, ...]) -> type[forms.Form]:
    fields = {name: _form_field(filterset, name) for name in names}
    return type(f"{filterset.__name__}Form", (filterset._meta.form,), fields)


class InArray(Func):
    """`column = ANY(ARRAY(subquery))` on PostgreSQL, `column IN (subquery)` elsewhere.

    For filters through a link table (an actor's or a source's events): the subquery runs once,
    first, and the events are then read by primary key, so the cost follows the actor's event
    count. As `IN (subquery)`, PostgreSQL may instead walk every event in date order probing the
    link table, which for an actor whose events all lie years back reads most of the table.
    """

    output_field = BooleanField()

    def __init__(self, column, subquery: QuerySet) -> None:
        super().__init__(column, Subquery(subquery.order_by()))

    def as_sql(self, compiler, connection, **extra):
        (column, column_params), (subquery, subquery_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        template = "%s = ANY(ARRAY%s)" if connection.vendor == "postgresql" else "%s IN %s"
        return template % (column, subquery), (*column_params, *subquery_params)


class EqualsAny(Func):
    """`column = ANY(array)` for a list of ids (events.sql.ids_in): a constant array, which
    PostgreSQL hashes when it filters rows it walks in an index's order: the page of an admin
    search for a word in 18,000 notes, ordered by date, read in 3 ms instead of 286 ms probing
    each id (`id IN (SELECT unnest(…))`). `column IN (…)` elsewhere."""

    output_field = BooleanField()

    def __init__(self, column, ids: list[int]) -> None:
        super().__init__(column)
        self.ids = [int(pk) for pk in ids]

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.get_source_expressions()[0])
        if not self.ids:
            return "1 = 0", ()
        sql, ids_params = ids_in(column, self.ids, vendor=connection.vendor)
        return sql, (*params, *ids_params)


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet whose `.qs` refuses invalid parameters instead of silently ignoring them.

    It also does less per request than django-filter (a deep copy of every filter, then a form of
    every filter's field, deep-copied again): filters are copied shallowly (they keep no state but
    their parent), and a bound filterset's form has only the fields of the parameters sent, its
    class built once per combination. An absent parameter filters nothing either way.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None) -> None:
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if filter_.method is not None:
                filter_.method = filter_.method  # a FilterMethod bound to this copy, not to the base

    def get_form_class(self):
        names = tuple(self.filters)
        if self.is_bound:
            names = tuple(name for name in names if not self._omitted(name))
        return _form_class(type(self), names)

    def _omitted(self, name: str) -> bool:
        key = f"{self.form_prefix}-{name}" if self.form_prefix else name
        return _form_field(type(self), name).widget.value_omitted_from_data(self.data, {}, key)

    @property
    def qs(self):
        if self.is_bound and not self.is_valid():
            raise ParameterError({name: list(messages) for name, messages in self.errors.items()})
        return super().qs


class FilterBackend(DjangoFilterBackend):
    """django-filter for DRF views, raising ParameterError (400 naming the parameter)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        return filterset.qs


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
        if connections[qs.db].vendor == "postgresql":
            query = SearchQuery(value, config="english", search_type="websearch")
            return qs.alias(notes_fts=NotesVector()).filter(notes_fts=query)
        # SQLite (development): every word must appear in the notes.
        for word in value.replace('"', " ").split():
            if word.lower() != "or":
                qs = qs.filter(notes__icontains=word)
        return qs


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
