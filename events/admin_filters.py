"""The event changelist's filters for coders: admin1 (its whole subtree), a date range, a source
and an actor (typed, since there are thousands of each)."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Exists, OuterRef

from actors.models import Actor
from events.models import Citation, EventActor
from places.models import Place, PlaceKind

# Without a country chosen, the admin1 filter lists every admin1 only up to this many.
ADMIN1_LISTED_LIMIT = 60


class Admin1ListFilter(admin.SimpleListFilter):
    """Events in an admin1 and every place under it (one indexed prefix query on the path)."""

    title = "admin1"
    parameter_name = "admin1"

    def lookups(self, request, model_admin):
        admin1s = Place.objects.filter(kind=PlaceKind.ADMIN1).order_by("country_name", "name")
        country = request.GET.get("country", "").upper()
        if country:
            return list(admin1s.filter(country_code=country).values_list("pk", "name"))
        rows = list(admin1s.values_list("pk", "name", "country_name")[: ADMIN1_LISTED_LIMIT + 1])
        if len(rows) > ADMIN1_LISTED_LIMIT:  # too many to list: pick a country first
            self.title = "admin1 (choose a country first)"
            return []
        return [(pk, f"{name} ({country_name})") for pk, name, country_name in rows]

    def has_output(self):
        return True  # the title says to choose a country when there are too many to list

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return None
        place = Place.objects.filter(pk=value, kind=PlaceKind.ADMIN1).first() if value.isdigit() else None
        if place is None:
            raise IncorrectLookupParameters(f"admin1 must be the id of an admin1 place, not {value!r}")
        return queryset.filter(place__in=Place.objects.subtree(place))


class InputListFilter(admin.ListFilter):
    """A filter the coder types into (a small GET form in the sidebar), for values too many to list.

    `inputs` are (parameter, label, input type); the form carries the list's other parameters.
    """

    template = "admin/events/input_filter.html"
    inputs: list[tuple[str, str, str]] = []

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name, _label, _type in self.inputs:
            if name in params:
                value = params.pop(name)[-1].strip()
                if value:
                    self.used_parameters[name] = value

    def has_output(self):
        return True

    def expected_parameters(self):
        return [name for name, _label, _type in self.inputs]

    def choices(self, changelist):
        ours = set(self.expected_parameters())
        for name, values in changelist.filter_params.items():
            if name not in ours:
                for value in values:
                    yield {"hidden": True, "name": name, "value": value}
        for name, label, input_type in self.inputs:
            yield {
                "name": name,
                "display": label,
                "type": input_type,
                "value": self.used_parameters.get(name, ""),
            }
        if self.used_parameters:
            # Not "clear": the template language would find and call dict.clear.
            yield {"reset_url": changelist.get_query_string(remove=list(ours))}


class EventDateRangeFilter(InputListFilter):
    """Events whose date falls between two days (either end optional, both included)."""

    title = "date range"
    inputs = [("date_from", "from", "date"), ("date_to", "to", "date")]

    def _date(self, name: str) -> dt.date | None:
        value = self.used_parameters.get(name)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise IncorrectLookupParameters(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from None

    def queryset(self, request, queryset):
        start, end = self._date("date_from"), self._date("date_to")
        if start:
            queryset = queryset.filter(event_date__gte=start)
        if end:
            queryset = queryset.filter(event_date__lte=end)
        return queryset


class SourceFilter(InputListFilter):
    """Events citing a source whose name contains the text (EXISTS: no duplicate rows)."""

    title = "source"
    inputs = [("source", "name contains", "search")]

    def queryset(self, request, queryset):
        text = self.used_parameters.get("source")
        if not text:
            return queryset
        return queryset.filter(
            Exists(Citation.objects.filter(event=OuterRef("pk"), source__name__icontains=text))
        )


class ActorFilter(InputListFilter):
    """Events with an actor (in any role) whose name or alias contains the text."""

    title = "actor"
    inputs = [("actor", "name or alias contains", "search")]

    def queryset(self, request, queryset):
        text = self.used_parameters.get("actor")
        if not text:
            return queryset
        roles = EventActor.objects.filter(event=OuterRef("pk"), actor__in=Actor.objects.search(text))
        return queryset.filter(Exists(roles))
