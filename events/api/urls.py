"""URLs of the REST API under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from actors.api.views import ActorViewSet
from events.api.auth import ObtainTokenView
from events.api.views import EventViewSet, SourceViewSet, TombstoneListView
from places.api.views import PlaceViewSet

router = DefaultRouter(trailing_slash=True)
router.include_format_suffixes = False
router.register("events", EventViewSet, basename="event")
router.register("actors", ActorViewSet, basename="actor")
router.register("places", PlaceViewSet, basename="place")
router.register("sources", SourceViewSet, basename="source")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    # Before the router, whose event detail route would otherwise take "tombstones" for an id.
    path("events/tombstones/", TombstoneListView.as_view(), name="event-tombstones"),
    *router.urls,
]
