"""Curation admin for events, sources, citations, import runs and tombstones.

Writes go through events.services; who may do what is events.rules', asked through the bases
in events.admin_base (HistoryAdmin, RulesInlineMixin, RulesImportExportMixin).
"""

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models
from django.db.models import Exists, F, Max, Min, OuterRef, Prefetch, Q
from django.db.models.expressions import RawSQL
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from actors.models import Actor
from core.paging import row_estimate
from core.sql import EqualsAny, InArray, first_column
from core.vocab import ActorRole, InterCode
from events import rules
from events.admin_base import EventHistoryAdmin, HistoryAdmin, RulesImportExportMixin, RulesInlineMixin
from events.admin_filters import ActorFilter, Admin1ListFilter, EventDateRangeFilter, SourceFilter
from events.bulk_admin import set_field
from events.duplicates_admin import (
    candidates_html,
    duplicate_urls,
    import_duplicates_html,
    warn_possible_duplicates,
)
from events.exports.admin import EventExportActionsMixin
from events.file_import_admin import EventImportForm, file_import_urls
from events.filters import notes_matching
from events.forms import CitationAdminForm, EventActorInlineFormSet, EventAdminForm, RetractForm
from events.importers.admin import ImportBatchErrorsCsvMixin
from events.models import Citation, Event, EventActor, ExportJob, ImportBatch, Source, Tombstone
from events.paging import EventPaginator, RecentWindow, beyond_exact
from events.resources import EventResource, SourceResource
from events.rules import Action
from events.services import (
    citation_delete,
    citation_save,
    event_assign_id,
    event_delete,
    event_mark_reviewed,
    event_publish,
    event_retract,
    event_save,
    event_sync_interaction,
)
from events.workflow_admin import workflow_panel, workflow_urls
from places.models import Place

# Links typed without a scheme are https (Django 6's default; silences its deprecation warning).
URL_FIELDS_HTTPS = {models.URLField: {"assume_scheme": "https"}}


# A search matching at most this many events is gathered once into a list of ids (see below).
SEARCH_GATHER_LIMIT = 20_000


@dataclass(frozen=True)
class EventSearch:
    """An admin search's events, and what the changelist's paginator may take from it: their
    number (`count`, the planner's estimate when `count_is_estimate`: no COUNT query), and how
    its newest-first pages are read from the latest dates."""

    events: models.QuerySet
    count: int | None  # None: the paginator counts (SQLite)
    count_is_estimate: bool = False
    window: RecentWindow | None = None


def events_matching(queryset, term: str) -> EventSearch:
    """Events with this id, notes containing the words, a place named like it or lying under one
    ("Homs" finds the events of every place in Homs), an actor (name, alias) or a cited source like it.

    One UNION of indexed lookups (the notes' full-text GIN index on PostgreSQL), not an OR over
    joins that would scan and de-duplicate a million events.

    On PostgreSQL the UNION runs once per request when it matches up to SEARCH_GATHER_LIMIT
    events: the changelist's count and its page then read a list of ids, where each of them
    would otherwise run the UNION again (a word in 18,000 notes: 2 × ~120 ms at 1M events).
    A list filtered as well (status, country…) gathers its own matches, the UNION's ids filtered.
    Beyond the limit (gathering found more, or the planner puts the notes' matches so far beyond
    the exact count's limit that the API would not count them: beyond_exact), the count is the
    planner's estimate of the notes' matches (or the gathered number, if more), and the UNION is
    not run whole for a newest-first page: the page reads it over the latest dates only
    (RecentWindow). A word in 54,000 notes at 3M events: the UNION read 40,000 table pages
    (~300 ms) for the gathering, the count and the page alike (1.1 s); now 80 ms.
    """
    term = term.strip()
    ids = _matching_ids(term)
    if connections[queryset.db].vendor != "postgresql":
        return EventSearch(queryset.filter(InArray(F("pk"), ids)), count=None)
    # The planner's estimate of the notes' matches in the list (its filters too): at least that
    # many events match.
    matches = row_estimate(notes_matching(queryset, term)) or 0
    if matches < beyond_exact(term):
        listed = _matching_ids(term, within=queryset) if queryset.query.where else ids
        found = first_column(listed[: SEARCH_GATHER_LIMIT + 1])
        if len(found) <= SEARCH_GATHER_LIMIT:
            return EventSearch(queryset.filter(EqualsAny(F("pk"), found)), len(found))
        matches = max(matches, len(found))

    def dated(first: RawSQL, last: RawSQL) -> models.QuerySet:
        # The window's bounds once, as constants: each of the UNION's branches reads its dates.
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(
                "SELECT f IS NULL, nullif(f, '-infinity'::date), l "
                f"FROM (SELECT ({first.sql}) AS f, ({last.sql}) AS l) AS w",
                (*first.params, *last.params),
            )
            too_wide, since, until = cursor.fetchone()
        if too_wide or until is None:
            return queryset.none()
        return queryset.filter(
            Q(event_date__gte=since) if since else Q(),
            InArray(F("pk"), _matching_ids(term, since=since, until=until)),
            event_date__lte=until,
        )

    events = queryset.filter(InArray(F("pk"), ids))
    return EventSearch(events, matches, count_is_estimate=True, window=RecentWindow(matches, dated))


def _matching_ids(
    term: str,
    *,
    within: models.QuerySet | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> models.QuerySet:
    """The ids of the events matching `term` (events_matching), one UNION; among the events of
    `within` (a filtered list: each branch reads its matches with the list's filters, rather than
    probe every match's row again for them), dated from `since` to `until` when given (the event
    actors carry their event's date; a citation's is joined)."""
    dates = {}
    if until is not None:
        dates = {"event_date__lte": until} | ({"event_date__gte": since} if since else {})
    events = (Event.objects.all() if within is None else within).filter(**dates)
    cited = {f"event__{lookup}": day for lookup, day in dates.items()}
    # Places named like the term and every place under an admin level named like it: the levels
    # above a place are copied onto it, so the subtree is one scan of the places (matching every
    # place's path against every match's took 115 s for "a" at 25,000 places; places 0005 indexes
    # the five columns' trigrams).
    places = Place.objects.filter(
        Q(name__icontains=term)
        | Q(country_name__icontains=term)
        | Q(admin1__icontains=term)
        | Q(admin2__icontains=term)
        | Q(admin3__icontains=term)
    )
    linked = [
        EventActor.objects.filter(actor__in=Actor.objects.search(term), **dates).values("event_id"),
        Citation.objects.filter(source__name__icontains=term, **cited).values("event_id"),
    ]
    if within is not None:
        linked = [events.filter(InArray(F("pk"), ids)) for ids in linked]
    return (
        events.filter(event_id=term.upper())
        .order_by()
        .values("pk")
        .union(
            notes_matching(events, term).order_by().values("pk"),
            events.filter(place__in=places).order_by().values("pk"),
            *(ids.order_by().values("pk" if within is not None else "event_id") for ids in linked),
        )
    )


class EventDateListFilter(admin.ListFilter):
    """Year, then month, of the event date: the date hierarchy's drill-down without its scans.

    Django's date_hierarchy lists the years with SELECT DISTINCT over every matching event
    (345 ms at a million, seconds under a filter); the years here run from the first event's
    to the last one's (two index lookups). It takes the hierarchy's parameters, so its links
    and bookmarks keep working.
    """

    title = "event date"
    year_parameter, month_parameter = "event_date__year", "event_date__month"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.year = self._take(params, self.year_parameter, 1, 9999)
        self.month = self._take(params, self.month_parameter, 1, 12) if self.year else None
        bounds = model._default_manager.aggregate(first=Min("event_date"), last=Max("event_date"))
        first, last = bounds["first"], bounds["last"]
        self.years = list(range(last.year, first.year - 1, -1)) if first and last else []

    def _take(self, params, name: str, low: int, high: int) -> int | None:
        if name not in params:
            return None
        value = params.pop(name)[-1]
        self.used_parameters[name] = value
        if not value.isdigit() or not low <= int(value) <= high:
            raise IncorrectLookupParameters(f"{name} must be a number from {low} to {high}, not {value!r}")
        return int(value)

    def expected_parameters(self):
        return [self.year_parameter, self.month_parameter]

    def has_output(self):
        return bool(self.years)

    def queryset(self, request, queryset):
        if self.year is None:
            return None
        if self.month is None:
            start, end = dt.date(self.year, 1, 1), dt.date(self.year + 1, 1, 1)
        else:
            start = dt.date(self.year, self.month, 1)
            end = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return queryset.filter(event_date__gte=start, event_date__lt=end)

    def choices(self, changelist):
        both = [self.year_parameter, self.month_parameter]
        yield {
            "selected": self.year is None,
            "query_string": changelist.get_query_string(remove=both),
            "display": "All dates",
        }
        if self.year is None:
            for year in self.years:
                yield {
                    "selected": False,
                    "query_string": changelist.get_query_string({self.year_parameter: year}, both),
                    "display": str(year),
                }
            return
        yield {
            "selected": self.month is None,
            "query_string": changelist.get_query_string({self.year_parameter: self.year}, both),
            "display": f"All of {self.year}",
        }
        for month in range(1, 13):
            yield {
                "selected": self.month == month,
                "query_string": changelist.get_query_string(
                    {self.year_parameter: self.year, self.month_parameter: month}
                ),
                "display": f"{calendar.month_name[month]} {self.year}",
            }


class CountryListFilter(admin.SimpleListFilter):
    """Events in one country, listing the countries of the gazetteer."""

    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        return (
            Place.objects.countries()
            .exclude(country_code="")
            .order_by("name")
            .values_list("country_code", "name")
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(place__country_code=self.value().upper())
        return None


class ActorKindListFilter(admin.SimpleListFilter):
    """Events with an actor of this inter code (in any role), through EXISTS: no duplicate rows."""

    title = "actor kind"
    parameter_name = "actor_kind"

    def lookups(self, request, model_admin):
        return [(str(value), label) for value, label in InterCode.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return None
        if value not in {str(code) for code in InterCode.values}:
            raise IncorrectLookupParameters(f"actor_kind must be an inter code 1–8, not {value!r}")
        roles = EventActor.objects.filter(event=OuterRef("pk"), inter=int(value))
        return queryset.filter(Exists(roles))


class EventActorInline(RulesInlineMixin, admin.TabularInline):
    model = EventActor
    formset = EventActorInlineFormSet
    fields = ["role", "actor", "inter"]
    autocomplete_fields = ["actor"]
    verbose_name = "actor"
    verbose_name_plural = "actors (inter code defaults to the actor's kind)"

    def get_queryset(self, request):
        # Each row's title shows the actor's name.
        return super().get_queryset(request).select_related("actor")

    def get_extra(self, request, obj=None, **kwargs):
        # Actor 1 and actor 2 on a new event (the formset fills in the roles); one more row later.
        return 2 if obj is None else 1


class CitationInline(RulesInlineMixin, admin.StackedInline):
    model = Citation
    fields = [
        ("source", "field"),
        "quote",
        ("url", "archive_url"),
        ("published_on", "accessed_on", "reported_fatalities"),
    ]
    autocomplete_fields = ["source"]
    formfield_overrides = URL_FIELDS_HTTPS
    extra = 1

    def get_queryset(self, request):
        # Each citation's title names its source and event.
        return super().get_queryset(request).select_related("source", "event")


@admin.register(Event)
class EventAdmin(EventExportActionsMixin, RulesImportExportMixin, EventHistoryAdmin):
    form = EventAdminForm
    inlines = [EventActorInline, CitationInline]
    # Compact enough for 1,400 px with actors, fatalities and status in view (a browser test
    # measures it): the sub-event type names the type, dates are ISO, the app list is left out.
    list_display = ["event_id", "date", "types", "place", "actors", "fatalities", "status", "updated"]
    list_select_related = ["place"]
    list_filter = [
        EventDateListFilter,
        EventDateRangeFilter,
        "status",
        "event_type",
        "disorder_type",
        CountryListFilter,
        Admin1ListFilter,
        SourceFilter,
        ActorFilter,
        ActorKindListFilter,
        "time_precision",
        "civilian_targeting",
    ]
    # Searched by events_matching (get_search_results); listed so the box and autocompletes show.
    search_fields = ["event_id", "notes", "place__name", "event_actors__actor__name"]
    search_help_text = (
        "An event id (SYR123), words of the notes, a place (and the places under it), "
        "an actor's name or alias, a source's name."
    )
    # The table holds a million rows: never count all of them (COUNT(*) took 58 ms at 1M, and
    # more under a filter); the count is exact up to 10,000 and estimated beyond, pages are read
    # as the API's numbered pages are (EventPaginator: through their ids, so deep pages skip rows
    # in an index; gathered when few events match), and the facets' counts stay off. It is given
    # no filter parameters: the search gathers its own ids (events_matching), and the list filters
    # are the admin's, not EventFilter's.
    show_full_result_count = False
    paginator = EventPaginator
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    autocomplete_fields = ["place"]
    readonly_fields = [
        "event_id",
        "status",
        "version",
        "period",
        "legacy_event_type",
        "disorder_type",
        "interaction",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "import_batch",
        "retracted_at",
        "retraction_reason",
        "merged_into",
        "possible_duplicates",
    ]
    fieldsets = [
        (None, {"fields": [("event_id", "status", "version")]}),
        ("When", {"fields": [("event_date", "time_precision", "end_date"), "period"]}),
        (
            "What",
            {
                "fields": [
                    ("event_type", "sub_event_type", "legacy_event_type"),
                    ("disorder_type", "interaction"),
                    ("fatalities", "civilian_targeting"),
                ]
            },
        ),
        ("Where", {"fields": [("place", "geo_precision")]}),
        ("Description", {"fields": ["notes", "tags", "source_scale"]}),
        ("Possible duplicates", {"fields": ["possible_duplicates"]}),
        (
            "Record",
            {
                "classes": ["collapse"],
                "fields": [
                    ("created_at", "created_by"),
                    ("updated_at", "updated_by"),
                    "import_batch",
                    ("retracted_at", "retraction_reason", "merged_into"),
                ],
            },
        ),
    ]
    # A new event shows only what the curator codes; the rest is assigned or derived on save.
    add_fieldsets = [
        ("When", {"fields": [("event_date", "time_precision", "end_date")]}),
        ("What", {"fields": [("event_type", "sub_event_type"), ("fatalities", "civilian_targeting")]}),
        ("Where", {"fields": [("place", "geo_precision")]}),
        ("Description", {"fields": ["notes", "tags", "source_scale"]}),
    ]
    actions = [
        "mark_reviewed",
        "publish",
        "retract",
        set_field,
        "export_selected_acled",
        "export_selected_xlsx",
    ]
    # Import and export screens (django-import-export): places, actors and sources by name.
    resource_classes = [EventResource]
    # That screen reads Chronicle's own export; ACLED and UCDP files have their own screen
    # (events/file_import_admin.py), linked next to Import on the changelist.
    import_form_class = EventImportForm
    import_template_name = "admin/events/event/import.html"
    import_export_change_list_template = "admin/events/event/change_list_import_export.html"

    class Media:
        # Sub-event types follow the event type, an actor's pick fills its inter code, and the
        # list fits 1,400 px. Files, not inline code: the CSP allows no inline script.
        js = ["events/event_admin.js"]
        css = {"all": ["events/event_admin.css"]}

    def get_queryset(self, request):
        # The actors column reads prefetched rows: one query per page, not one per event.
        actors = EventActor.objects.select_related("actor").filter(
            role__in=[ActorRole.ACTOR1, ActorRole.ACTOR2]
        )
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("event_actors", queryset=actors, to_attr="main_actors"))
        )

    def get_search_results(self, request, queryset, search_term):
        # One UNION of indexed lookups: Django's OR of icontains over joins would scan every event.
        if not search_term.strip():
            return queryset, False
        request.chronicle_search = events_matching(queryset, search_term)
        return request.chronicle_search.events, False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        search = getattr(request, "chronicle_search", None)
        window = search.window if search else None
        paginator = self.paginator(queryset, per_page, orphans, allow_empty_first_page, window=window)
        if search and search.count is not None:  # the search's own count (events_matching): no COUNT query
            paginator.count, paginator.count_is_estimate = search.count, search.count_is_estimate
        return paginator

    def get_fieldsets(self, request, obj=None):
        # New events get add_fieldsets; an edit carries the version it was loaded from (optimistic lock).
        if obj is None:
            return self.add_fieldsets
        fieldsets = super().get_fieldsets(request, obj)
        if not self.has_change_permission(request, obj):
            return fieldsets
        (name, options), *rest = fieldsets
        # Why this change (shown in the history); reviewers may also mark it as a redaction.
        note = ["change_reason"]
        if rules.may(request.user, Action.REDACT, obj):
            note.append("redaction")
        return [
            (name, {**options, "fields": [*options["fields"], "expected_version"]}),
            *rest,
            ("This change", {"fields": [tuple(note)]}),
        ]

    def action_checkbox(self, obj):
        # Django renders each row's checkbox through the form widget templates, 50 template
        # renders a page (a fifth of the changelist's rendering time); the same HTML, directly.
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )

    def changelist_view(self, request, extra_context=None):
        # The list takes the whole width: the app list's sidebar would push actors out of view.
        return super().changelist_view(request, {"is_nav_sidebar_enabled": False, **(extra_context or {})})

    @admin.display(description="date", ordering="event_date")
    def date(self, event: Event) -> str:
        return event.event_date.isoformat()

    @admin.display(description="type", ordering="sub_event_type")
    def types(self, event: Event) -> str:
        # The sub-event type implies the event type (shown on hover); legacy rows may have none.
        return format_html(
            '<span title="{}">{}</span>', event.event_type, event.sub_event_type or event.event_type
        )

    @admin.display(description="updated", ordering="updated_at")
    def updated(self, event: Event) -> str:
        return timezone.localtime(event.updated_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description="actors")
    def actors(self, event: Event) -> str:
        rows = getattr(event, "main_actors", None)
        if rows is None:
            rows = event.event_actors.filter(role__in=[ActorRole.ACTOR1, ActorRole.ACTOR2])
        names = {row.role: row.actor.name for row in rows}
        return " — ".join(names[role] for role in (ActorRole.ACTOR1, ActorRole.ACTOR2) if role in names)

    def get_urls(self):
        # The "Possible duplicates" queue, "Not duplicates" and merges (events/duplicates_admin.py),
        # "Import ACLED / UCDP file" (events/file_import_admin.py) and the workflow steps under
        # each event (events/workflow_admin.py).
        return duplicate_urls(self) + file_import_urls(self) + workflow_urls(self) + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The workflow panel above the form (templates/admin/events/event/change_form.html).
        context["workflow"] = workflow_panel(request, obj) if obj is not None else None
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_object(self, request, object_id, from_field=None):
        event = super().get_object(request, object_id, from_field)
        if event is not None:  # possible_duplicates offers its buttons to those who may use them
            event.duplicates_can_decide = request.user.has_perm("events.change_event")
        return event

    @admin.display(description="likely duplicates")
    def possible_duplicates(self, event: Event) -> str:
        return candidates_html(event, can_decide=getattr(event, "duplicates_can_decide", False))

    @admin.display(description="period")
    def period(self, event: Event) -> str:
        if not event.pk:
            return "-"
        if event.period_start == event.period_end:
            return str(event.period_start)
        return f"{event.period_start} to {event.period_end}"

    # Permissions (events.rules; add, change and delete come from HistoryAdmin) ---------------

    def has_publish_permission(self, request) -> bool:
        return rules.may(request.user, Action.PUBLISH, model=Event)

    def has_retract_permission(self, request) -> bool:
        return rules.may(request.user, Action.RETRACT, model=Event)

    def has_mark_reviewed_permission(self, request) -> bool:
        return rules.may(request.user, Action.MARK_REVIEWED, model=Event)

    def get_deleted_objects(self, objs, request):
        # An event's actor rows and citations go with it: whoever may delete the event may delete
        # them (a retracted event's citations are otherwise frozen, which would block the cascade).
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        parts = {str(model._meta.verbose_name) for model in (EventActor, Citation)}
        return deleted, counts, perms_needed - parts, protected

    # Writes through the services ------------------------------------------------------

    def save_model(self, request, obj, form, change):
        # New events get the country's next id; edits go through the version-checked service.
        obj._history_user = request.user
        if change:
            event_save(
                event=obj,
                expected_version=form.cleaned_data["expected_version"],
                by=request.user,
                change_reason=form.cleaned_data.get("change_reason") or "",
                redaction=bool(form.cleaned_data.get("redaction")),
            )
            return
        obj.created_by = obj.updated_by = request.user
        event_assign_id(event=obj)
        obj.save()

    def save_related(self, request, form, formsets, change):
        # interaction is derived from the actor rows the inlines have just saved.
        super().save_related(request, form, formsets, change)
        event_sync_interaction(event=form.instance)
        warn_possible_duplicates(request, form.instance)

    def delete_model(self, request, obj):
        # Through the service: published events leave a tombstone for mirrors.
        event_delete(event=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        # One by one through the service, for tombstones and history rows.
        for event in queryset:
            event_delete(event=event, by=request.user)

    # Actions ---------------------------------------------------------------------------

    def _apply(self, request, queryset, change: Callable[[Event], object], done: str) -> None:
        """Run a workflow service on each selected event; report refusals per event."""
        succeeded = 0
        for event in queryset.order_by("pk"):
            try:
                change(event)
            except ValidationError as error:
                self.message_user(request, f"{event.event_id}: {' '.join(error.messages)}", messages.ERROR)
            except PermissionDenied as error:
                self.message_user(request, f"{event.event_id}: {error}", messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            noun = "event" if succeeded == 1 else "events"
            self.message_user(request, f"{succeeded} {noun} {done}.", messages.SUCCESS)

    @admin.action(description="Mark selected drafts reviewed", permissions=["mark_reviewed"])
    def mark_reviewed(self, request, queryset):
        self._apply(
            request, queryset, lambda e: event_mark_reviewed(event=e, by=request.user), "marked reviewed"
        )

    @admin.action(
        description="Publish selected events (each needs actor 1 and a citation)", permissions=["publish"]
    )
    def publish(self, request, queryset):
        self._apply(request, queryset, lambda e: event_publish(event=e, by=request.user), "published")

    @admin.action(description="Retract selected events…", permissions=["retract"])
    def retract(self, request, queryset):
        form = RetractForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self._apply(
                request,
                queryset,
                lambda e: event_retract(event=e, by=request.user, reason=reason),
                "retracted",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Retract events",
            "subtitle": None,
            "opts": self.model._meta,
            "form": form,
            "events": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/events/event/retract_selected.html", context)


@admin.register(Citation)
class CitationAdmin(HistoryAdmin):
    form = CitationAdminForm  # adding a citation to an event, or moving one onto it, changes that event
    list_display = ["__str__", "field", "reported_fatalities", "published_on", "url"]
    list_filter = ["field"]
    # Newest first by primary key: the model's order (by event) would sort every citation.
    ordering = ["-id"]
    show_full_result_count = False
    search_fields = ["=event__event_id", "source__name", "quote"]
    autocomplete_fields = ["event", "source"]
    formfield_overrides = URL_FIELDS_HTTPS

    def get_queryset(self, request):
        # Every row's title (list and autocomplete) names its source and event.
        return super().get_queryset(request).select_related("source", "event")

    # Through the services: a citation's event (both, when it moves) gets a new version first.
    def save_model(self, request, obj, form, change):
        citation_save(citation=obj, by=request.user)

    def delete_model(self, request, obj):
        citation_delete(citation=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for citation in queryset.select_related("event"):
            citation_delete(citation=citation, by=request.user)


@admin.register(Source)
class SourceAdmin(RulesImportExportMixin, HistoryAdmin):
    resource_classes = [SourceResource]  # by name, the natural key
    list_display = ["name", "kind", "scale", "country", "url"]
    list_filter = ["kind", "scale"]
    search_fields = ["name"]
    formfield_overrides = URL_FIELDS_HTTPS


class ReadOnlyAdminMixin:
    """Rows written only by the services (import runs, tombstones, export jobs): view, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdminMixin, ImportBatchErrorsCsvMixin, admin.ModelAdmin):
    """Import runs are a record: listed and viewed, never edited or deleted here."""

    list_display = [
        "started_at",
        "file_name",
        "format",
        "state",
        "rows",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "created_by",
    ]
    list_filter = ["state", "format"]
    list_select_related = ["created_by"]
    search_fields = ["file_name", "=sha256"]
    date_hierarchy = "started_at"
    fields = [
        ("file_name", "format", "state"),
        "sha256",
        ("created_by", "started_at", "finished_at"),
        ("rows", "created", "updated", "unchanged", "skipped"),
        "row_errors",
        "likely_duplicates",
    ]
    readonly_fields = [
        "file_name",
        "format",
        "state",
        "sha256",
        "created_by",
        "started_at",
        "finished_at",
        "rows",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "row_errors",
        "likely_duplicates",
    ]
    row_errors_shown = 1000

    def get_queryset(self, request):
        # The list never shows the row errors, which can run to thousands per batch.
        return super().get_queryset(request).defer("errors", "duplicates")

    @admin.display(description="likely duplicates (not errors)")
    def likely_duplicates(self, batch: ImportBatch) -> str:
        return import_duplicates_html(batch, shown=self.row_errors_shown)

    @admin.display(description="row errors")
    def row_errors(self, batch: ImportBatch) -> str:
        errors = batch.errors or []
        if not errors:
            return "None"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (e.get("row", ""), e.get("column", ""), e.get("value", ""), e.get("reason", ""))
                if isinstance(e, dict)
                else ("", "", "", e)
                for e in errors[: self.row_errors_shown]
            ),
        )
        more = len(errors) - self.row_errors_shown
        tail = format_html("<p>… and {} more.</p>", more) if more > 0 else ""
        return format_html(
            "<table><thead><tr><th>row</th><th>column</th><th>value</th><th>reason</th></tr></thead>"
            "<tbody>{}</tbody></table>{}",
            rows,
            tail,
        )


@admin.register(Tombstone)
class TombstoneAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What mirrors see of retracted or deleted events; written only by the services."""

    list_display = ["event_id", "removed_at", "reason", "deleted"]
    list_filter = ["reason", "deleted"]
    search_fields = ["=event_id"]
    date_hierarchy = "removed_at"


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Background exports (events/exports/jobs.py), read-only; each user sees their own, superusers all."""

    list_display = ["id", "format", "state", "progress", "created_by", "created_at", "download"]
    list_filter = ["state", "format"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_by",
        "format",
        "params",
        "escape",
        "state",
        "rows_done",
        "rows_total",
        "error",
        "created_at",
        "started_at",
        "finished_at",
        "download",
    ]
    exclude = ["file"]

    def get_queryset(self, request):
        # The same ownership rule as the API: a job's file is its creator's.
        jobs = super().get_queryset(request)
        return jobs if request.user.is_superuser else jobs.filter(created_by=request.user)

    @admin.display(description="progress")
    def progress(self, job: ExportJob) -> str:
        total = "?" if job.rows_total is None else f"{job.rows_total:,}"
        return f"{job.rows_done:,} / {total}"

    @admin.display(description="file")
    def download(self, job: ExportJob) -> str:
        if job.state != ExportJob.State.DONE:
            return "-"
        return format_html('<a href="{}">Download</a>', reverse("export-job-download", args=[job.pk]))
