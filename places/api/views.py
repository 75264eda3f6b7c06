"""/api/v1/places/: list, detail and (curators) writes."""

from rest_framework import viewsets

from core.api.pagination import PageNumberPagination
from core.api.views import ID_PATTERN, ChronicleAPIMixin
from places.api.filters import PlaceFilter
from places.api.serializers import PlaceSerializer
from places.models import Place


class PlaceViewSet(ChronicleAPIMixin, viewsets.ModelViewSet):
    """Countries, admin areas, localities and sites, each with its admin hierarchy."""

    queryset = Place.objects.order_by("path", "id")
    serializer_class = PlaceSerializer
    filterset_class = PlaceFilter
    pagination_class = PageNumberPagination
    lookup_value_regex = ID_PATTERN
