"""/api/v1/actors/: list, detail and (curators) writes."""

from rest_framework import viewsets

from actors.api.filters import ActorFilter
from actors.api.serializers import ActorSerializer
from actors.models import Actor
from core.api.pagination import PageNumberPagination
from core.api.views import ID_PATTERN, ChronicleAPIMixin


class ActorViewSet(ChronicleAPIMixin, viewsets.ModelViewSet):
    """Armed groups, state forces, protesters and the other parties to events."""

    queryset = Actor.objects.order_by("name", "id")
    serializer_class = ActorSerializer
    filterset_class = ActorFilter
    pagination_class = PageNumberPagination
    lookup_value_regex = ID_PATTERN
