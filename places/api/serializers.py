"""Shape of /api/v1/places/."""

from rest_framework import serializers

from events.api.serializers import BoundedPrimaryKeyField, CountryCodeField, FullCleanModelSerializer
from places.models import Place


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
