"""Serializer pieces every API shares: the one error shape, `full_clean()` before a save, bounded
primary keys, references by id or name, and `fields=` selection."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.bounds import MAX_ID


class ErrorItemSerializer(serializers.Serializer):
    parameter = serializers.CharField(required=False, help_text="The query parameter at fault.")
    field = serializers.CharField(required=False, help_text="The request body member at fault.")
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """The shape of every error response (400, 401, 403, 404, 409, 412, 429…)."""

    detail = serializers.CharField(help_text="A one-line summary.")
    errors = ErrorItemSerializer(many=True)


class SelectableFieldsMixin:
    """Keeps only the top-level fields named in the context's `fields` (the `fields=` parameter)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        wanted = self.context.get("fields")
        if wanted:
            for name in set(self.fields) - set(wanted):
                self.fields.pop(name)


class FullCleanModelSerializer(serializers.ModelSerializer):
    """Runs the model's full_clean() (constraints, clean()) before saving reference data."""

    def create(self, validated_data):
        return self._save(self.Meta.model(**validated_data))

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self._save(instance)

    def _save(self, instance):
        # A savepoint: a constraint that full_clean() cannot see (a race) fails alone, as a 409.
        with transaction.atomic():
            instance.full_clean()
            instance.save()
        return instance


class BoundedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key that is refused with a message, not a database error, when out of range."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)) or not str(data).isdigit():
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < int(data) <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(int(data))


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "minLength": 1}]})
class ReferenceField(serializers.Field):
    """A row named by its id or its exact name (case-insensitive)."""

    default_error_messages = {
        "invalid": "Give an id (whole number) or a name.",
        "not_found": "No {noun} with id or name {value!r}.",
        "ambiguous": "Several {noun}s are named {value!r}; give the id.",
    }

    def __init__(self, *, model, noun: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model, self.noun = model, noun

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)) or not str(data).strip():
            self.fail("invalid")
        text = str(data).strip()
        if "\x00" in text:
            self.fail("invalid")
        condition = Q(name__iexact=text)
        if text.isdigit() and 0 < int(text) <= MAX_ID:
            condition |= Q(pk=int(text))
        matches = list(self.model.objects.filter(condition)[:2])
        if not matches:
            self.fail("not_found", noun=self.noun, value=text)
        if len(matches) > 1:
            exact = [row for row in matches if str(row.pk) == text or row.name == text]
            if len(exact) != 1:
                self.fail("ambiguous", noun=self.noun, value=text)
            return exact[0]
        return matches[0]

    def to_representation(self, value):
        return value.pk
