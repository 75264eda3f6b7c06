"""django-filter pieces every API shares: strict fields that name the parameter and the reason, and
a FilterSet whose `.qs` refuses invalid input (a 400) instead of ignoring it."""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Iterable

import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.widgets import BaseCSVWidget

from core.api.exceptions import ParameterError
from core.bounds import MAX_ID


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


def _parse_id(text: str) -> int | None:
    if text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


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


class ReferenceFilter(django_filters.CharFilter):
    field_class = ReferenceField


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


# The django-filter release StrictFilterSet.__init__ was checked against (tests/test_library_pins.py).
DJANGO_FILTER_VERIFIED = "26.2"


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
