"""Shape of /api/v1/places/."""

from rest_framework import serializers

from core.api.serializers import BoundedPrimaryKeyField, FullCleanModelSerializer
from places.filters import resolve_country
from places.models import Place


class CountryCodeField(serializers.CharField):
    """A country as ISO alpha-2, alpha-3 or name, stored as ISO alpha-3; blank for none."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "ISO 3166 alpha-3 (alpha-2 and names are accepted and converted).")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if not text:
            return ""
        code = resolve_country(text)
        if not code:
            raise serializers.ValidationError(f"Unknown country {text!r}; use an ISO 3166 code or a name.")
        return code


class PlaceSerializer(FullCleanModelSerializer):
    parent = BoundedPrimaryKeyField(
        queryset=Place.objects.all(), required=False, allow_null=True, help_text="The place above (id)."
    )
    country_code = CountryCodeField(help_text="ISO alpha-3; inherited from the parent when it has one.")
    country = serializers.CharField(source="country_name", read_only=True)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)

    class Meta:
        model = Place
        fields = [
            "id",
            "name",
            "kind",
            "parent",
            "country_code",
            "country",
            "admin1",
            "admin2",
            "admin3",
            "latitude",
            "longitude",
            "geo_precision",
            "geonames_id",
        ]
        read_only_fields = ["admin1", "admin2", "admin3"]
