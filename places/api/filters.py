"""Filters of /api/v1/places/."""

import django_filters
from django.db.models import Q

from core.api.filters import StrictFilterSet, StrictIntegerFilter, VocabularyFilter
from core.bounds import MAX_ID
from places.filters import CountryFilter, PlaceSubtreeFilter
from places.models import Place, PlaceKind


class PlaceFilter(StrictFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="Part of the name.")
    kind = VocabularyFilter(field_name="kind", choices=PlaceKind.choices)
    country = CountryFilter(
        field_name="country_code",
        lookup_expr="in",
        help_text="Country (ISO code or name); several with commas.",
    )
    parent = StrictIntegerFilter(
        field_name="parent_id",
        min_value=1,
        max_value=MAX_ID,
        help_text="Places directly under this one (id).",
    )
    within = PlaceSubtreeFilter(
        method="filter_within", help_text="Places under this one (id), at any depth, itself included."
    )

    class Meta:
        model = Place
        fields: list[str] = []

    def filter_within(self, queryset, name, paths):
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        return queryset.filter(condition)
