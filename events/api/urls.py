"""URLs of the REST API under /api/v1/."""

from django.urls import path
from rest_framework import routers

from actors.api.views import ActorViewSet
from core.api.parameters import QueryParametersMixin
from events.api.aggregates import EventAggregateView
from events.api.auth import ObtainTokenView
from events.api.views import EventViewSet, SourceViewSet, TombstoneListView
from places.api.views import PlaceViewSet


class APIRootView(QueryParametersMixin, routers.APIRootView):
    """The index of /api/v1/, refusing unknown parameters like every view under it."""


router = routers.DefaultRouter(trailing_slash=True)
router.APIRootView = APIRootView
router.include_format_suffixes = False
router.register("events", EventViewSet, basename="event")
router.register("actors", ActorViewSet, basename="actor")
router.register("places", PlaceViewSet, basename="place")
router.register("sources", SourceViewSet, basename="source")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    # Before the router, whose event detail route would otherwise take "tombstones" for an id.
    path("events/tombstones/", TombstoneListView.as_view(), name="event-tombstones"),
    path("events/aggregate/", EventAggregateView.as_view(), name="event-aggregate"),
    *router.urls,
]
