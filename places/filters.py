"""Filtering by country and by place subtree, for every list that has a place or a country."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from core.api.filters import _parse_id
from core.countries import lookup_country
from places.models import Place, PlaceKind


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


class CountryFilter(django_filters.CharFilter):
    field_class = CountryField


class PlaceSubtreeFilter(django_filters.CharFilter):
    field_class = PlaceIdsField
