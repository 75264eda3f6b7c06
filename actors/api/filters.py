"""Filters of /api/v1/actors/."""

import django_filters

from actors.models import Actor
from core.api.filters import StrictFilterSet, StrictIntegerFilter, VocabularyFilter
from core.bounds import MAX_ID
from core.vocab import InterCode
from places.filters import CountryFilter


class ActorFilter(StrictFilterSet):
    q = django_filters.CharFilter(method="filter_q", help_text="Part of the name or of an alias.")
    name = django_filters.CharFilter(field_name="name", lookup_expr="iexact", help_text="The exact name.")
    kind = VocabularyFilter(field_name="kind", choices=InterCode.choices)
    country = CountryFilter(
        field_name="country", lookup_expr="in", help_text="Country (ISO code or name); several with commas."
    )
    parent = StrictIntegerFilter(
        field_name="parent_id", min_value=1, max_value=MAX_ID, help_text="Units of this actor (its id)."
    )

    class Meta:
        model = Actor
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return queryset.search(value)
