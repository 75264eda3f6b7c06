"""The events, sources and tombstones endpoints: HTTP in, selectors and services, JSON out."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api.exceptions import ParameterError, PreconditionFailed
from core.api.pagination import PageNumberPagination
from core.api.views import ID_PATTERN, ChronicleAPIMixin
from events.api.pagination import EventPagination
from events.api.permissions import CanPublish, CanRetract, CanViewUnpublished, EventPermissions
from events.api.serializers import (
    EVENT_FIELDS,
    DuplicateCandidateSerializer,
    EventRows,
    EventSerializer,
    EventWriteSerializer,
    HistoryEntrySerializer,
    PublishSerializer,
    RetractSerializer,
    SourceSerializer,
    TombstoneSerializer,
)
from events.duplicates import candidates_with_decisions
from events.filters import EventFilter, SourceFilter, TombstoneFilter
from events.models import Event, Source
from events.roles import has_a_role
from events.selectors import event_get, event_history, event_list, tombstone_list
from events.services import (
    StaleVersionError,
    event_create,
    event_delete,
    event_publish,
    event_retract,
    event_update,
)

FIELDS_PARAMETER = OpenApiParameter(
    "fields",
    type={"type": "array", "items": {"type": "string", "enum": EVENT_FIELDS}},
    style="form",
    explode=False,
    description="Comma-separated fields to return (all when absent), e.g. fields=event_id,event_date,place.",
)
IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description='The ETag of the version you edited ("3"); a stale one is refused with 412.',
)


def selected_fields(request) -> list[str] | None:
    """The `fields=` parameter, validated against the event payload's fields."""
    raw = request.query_params.get("fields")
    if not raw:
        return None
    names = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in EVENT_FIELDS]
    if unknown or not names:
        raise ParameterError(
            {"fields": f"Unknown field {', '.join(map(repr, unknown))}; allowed: {', '.join(EVENT_FIELDS)}."}
        )
    return names


def etag_for(event: Event) -> str:
    return f'"{event.version}"'


def if_match_version(request) -> int | None:
    """The version an If-Match header names, or None when absent (or `*`)."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip().strip('"')
    if not value.isdigit() or len(value) > 9:
        raise ParameterError(
            {"If-Match": f'Expected the ETag of an event version, like "3"; got {header!r}.'}
        )
    return int(value)


@extend_schema_view(
    list=extend_schema(
        summary="List events",
        description="Events you may see (published ones for anonymous callers), filtered and paginated.",
    ),
    retrieve=extend_schema(summary="One event"),
    create=extend_schema(
        summary="Create a draft event (curators)",
        request=EventWriteSerializer,
        responses={201: EventSerializer},
    ),
    update=extend_schema(
        summary="Replace an event's fields (curators; published events: reviewers)",
        request=EventWriteSerializer,
        responses={200: EventSerializer},
        parameters=[IF_MATCH_PARAMETER],
    ),
    partial_update=extend_schema(
        summary="Change some of an event's fields (curators; published events: reviewers)",
        request=EventWriteSerializer,
        responses={200: EventSerializer},
        parameters=[IF_MATCH_PARAMETER],
    ),
    destroy=extend_schema(
        summary="Delete an event (drafts: curators; published: reviewers, leaving a tombstone)",
        parameters=[IF_MATCH_PARAMETER],
    ),
)
class EventViewSet(ChronicleAPIMixin, viewsets.ModelViewSet):
    """Events with their actors, place and citations."""

    queryset = Event.objects.none()  # the model, for permissions and the schema
    lookup_field = "event_id"
    lookup_value_regex = r"[A-Za-z0-9_.\-]{1,30}"
    filterset_class = EventFilter
    pagination_class = EventPagination
    permission_classes = [EventPermissions]
    query_parameters = {"list": [FIELDS_PARAMETER], "retrieve": [FIELDS_PARAMETER]}

    def get_queryset(self):
        if self.action in ("history", "duplicates"):
            return Event.objects.visible_to(self.request.user)
        return event_list(user=self.request.user, related=self.action != "list")

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return EventWriteSerializer
        return EventSerializer

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if self.action in ("list", "retrieve"):
            context["fields"] = selected_fields(self.request)
        return context

    def get_object(self) -> Event:
        event_id = self.kwargs[self.lookup_field]
        try:
            event = self.get_queryset().get(event_id=event_id)
        except Event.DoesNotExist:
            raise NotFound(f"No event {event_id}.") from None
        self.check_object_permissions(self.request, event)
        return event

    def _event_response(self, event: Event, status_code: int = status.HTTP_200_OK) -> Response:
        event = event_get(user=self.request.user, event_id=event.event_id)
        data = EventSerializer(event, context=self.get_serializer_context()).data
        response = Response(data, status=status_code)
        response["ETag"] = etag_for(event)
        return response

    def _refuse_stale_if_match(self, event: Event) -> None:
        expected = if_match_version(self.request)
        if expected is not None and expected != event.version:
            raise PreconditionFailed(
                f"Event {event.event_id} is at version {event.version}, not {expected}; "
                "reload it before trying again. Nothing was changed."
            )

    def list(self, request, *args, **kwargs) -> Response:
        # Rows, not model instances: EventSerializer's JSON for a fraction of the CPU (EventRows).
        rows = EventRows(fields=selected_fields(request))
        queryset = self.filter_queryset(self.get_queryset())
        self.paginator.columns = rows.columns
        return self.get_paginated_response(rows.render(self.paginate_queryset(queryset)))

    def retrieve(self, request, *args, **kwargs) -> Response:
        event = self.get_object()
        response = Response(self.get_serializer(event).data)
        response["ETag"] = etag_for(event)
        return response

    def create(self, request, *args, **kwargs) -> Response:
        serializer = EventWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields, actors, citations = serializer.service_arguments()
        notes = serializer.change_notes()
        if notes["redaction"]:
            raise ValidationError({"redaction": "A new event has nothing to redact; mark a later change."})
        event = event_create(
            by=request.user,
            actors=actors or (),
            citations=citations or (),
            change_reason=notes["change_reason"],
            **fields,
        )
        response = self._event_response(event, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{event.event_id}/")
        return response

    def update(self, request, *args, partial: bool = False, **kwargs) -> Response:
        event = self.get_object()
        serializer = EventWriteSerializer(
            event, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        expected = if_match_version(request)
        from_header = expected is not None
        if expected is None:
            expected = serializer.validated_data.get("version")
        if expected is None:
            raise ValidationError(
                {
                    "version": "Send the version you edited (or an If-Match header), "
                    "so that nobody's changes are overwritten."
                }
            )
        fields, actors, citations = serializer.service_arguments()
        try:
            event = event_update(
                event=event,
                data=fields,
                expected_version=expected,
                by=request.user,
                actors=actors,
                citations=citations,
                **serializer.change_notes(),
            )
        except StaleVersionError as exc:
            if from_header:
                raise PreconditionFailed(str(exc)) from exc
            raise
        return self._event_response(event)

    def destroy(self, request, *args, **kwargs) -> Response:
        event = self.get_object()
        self._refuse_stale_if_match(event)
        event_delete(event=event, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Publish an event (reviewers)",
        description=(
            "Refused with 400 while the event has likely duplicates nobody has settled (see "
            "…/duplicates/); send confirm_not_duplicate=true to record that they are distinct events."
        ),
        request=PublishSerializer,
        responses={200: EventSerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=[CanPublish])
    def publish(self, request, event_id: str) -> Response:
        event = self.get_object()
        self._refuse_stale_if_match(event)
        serializer = PublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        confirm = serializer.validated_data["confirm_not_duplicate"]
        return self._event_response(
            event_publish(event=event, by=request.user, confirm_not_duplicate=confirm)
        )

    @extend_schema(
        summary="Likely duplicates of an event (staff)",
        description=(
            "Other events that may describe the same incident, best first, with a score and its "
            "reasons (same type 30, overlapping dates 25, same or enclosing place 20 or within 10 km 10, "
            "each shared actor 15, equal fatalities 10; listed from 60)."
        ),
        responses={200: DuplicateCandidateSerializer(many=True)},
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        filter_backends=[],
        permission_classes=[CanViewUnpublished],
    )
    def duplicates(self, request, event_id: str) -> Response:
        event = self.get_object()
        rows = [
            {**vars(candidate), "confirmed_not_duplicate": decided}
            for candidate, decided in candidates_with_decisions(event=event)
        ]
        return Response(DuplicateCandidateSerializer(rows, many=True).data)

    @extend_schema(
        summary="Retract an event (reviewers); it leaves a tombstone",
        request=RetractSerializer,
        responses={200: EventSerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=[CanRetract])
    def retract(self, request, event_id: str) -> Response:
        event = self.get_object()
        self._refuse_stale_if_match(event)
        serializer = RetractSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = event_retract(event=event, by=request.user, reason=serializer.validated_data["reason"])
        return self._event_response(event)

    @extend_schema(
        summary="The change history of an event",
        description=(
            "Every recorded version, oldest first: when, what kind of change, which fields, their old and "
            "new values (the event's actors and citations included), the status, the change reason and "
            "whether it was a redaction. Anonymous callers (and signed-in users without a role) see the "
            "history of published events from their first publication on, never the values a redaction "
            "replaced, and no user names."
        ),
        responses={200: HistoryEntrySerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, event_id: str) -> Response:
        event = self.get_object()
        staff = has_a_role(request.user)
        entries = event_history(event=event, show_users=staff, staff=staff)
        return Response(HistoryEntrySerializer(entries, many=True).data)


@extend_schema(
    summary="Tombstones of retracted and deleted events",
    description=(
        "What remains public of events withdrawn after publication: id, time and reason. "
        "A mirror deletes these ids and re-pulls events with updated_since."
    ),
)
class TombstoneListView(ChronicleAPIMixin, generics.ListAPIView):
    serializer_class = TombstoneSerializer
    filterset_class = TombstoneFilter
    pagination_class = PageNumberPagination

    def get_queryset(self):
        return tombstone_list()


class SourceViewSet(ChronicleAPIMixin, viewsets.ModelViewSet):
    """Sources that citations refer to; curators maintain them."""

    queryset = Source.objects.order_by("name", "id")
    serializer_class = SourceSerializer
    filterset_class = SourceFilter
    pagination_class = PageNumberPagination
    lookup_value_regex = ID_PATTERN


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for URLs nothing matches: the API's JSON error shape under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        message = f"No such URL: {request.path}"
        return JsonResponse({"detail": message, "errors": [{"message": message}]}, status=404)
    return defaults.page_not_found(request, exception)
