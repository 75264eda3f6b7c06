"""Shape of /api/v1/actors/."""

from rest_framework import serializers

from actors.models import Actor
from core.api.serializers import BoundedPrimaryKeyField, FullCleanModelSerializer
from places.api.serializers import CountryCodeField


class AliasesField(serializers.ListField):
    """Aliases as a list of names (stored one per line)."""

    child = serializers.CharField(max_length=255)

    def to_representation(self, value: str) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def to_internal_value(self, data) -> str:
        names = super().to_internal_value(data)
        if any("\n" in name or "\r" in name for name in names):
            raise serializers.ValidationError("An alias cannot contain a line break.")
        return "\n".join(name.strip() for name in names if name.strip())


class ActorSerializer(FullCleanModelSerializer):
    country = CountryCodeField()
    aliases = AliasesField(required=False)
    parent = BoundedPrimaryKeyField(
        queryset=Actor.objects.all(), required=False, allow_null=True, help_text="The larger force (id)."
    )

    class Meta:
        model = Actor
        fields = [
            "id",
            "name",
            "kind",
            "country",
            "aliases",
            "parent",
            "description",
            "active_from",
            "active_to",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
