"""Who may do what through the API (DESIGN.md §7 "Roles").

Anonymous callers and viewers read; curators create, change and delete drafts and reference
data; reviewers also publish, retract and change published events; superusers do everything.
What a caller may *see* is decided by EventQuerySet.visible_to, not here.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Q
from rest_framework import permissions
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from events.vocab import Status


def prime_permission_cache(user) -> None:
    """Load a user's permissions in one query instead of ModelBackend's two.

    ModelBackend keeps a user's permissions in `_perm_cache` for the rest of the request; filling
    it with the union of the user's and their groups' permissions keeps list pages within their
    query budget (DESIGN.md §5: ≤ 6 queries) for token-authenticated clients.
    """
    if not user.is_authenticated or not user.is_active or user.is_superuser or hasattr(user, "_perm_cache"):
        return
    rows = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .distinct()
    )
    user._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}


class ModelPermissions(permissions.DjangoModelPermissionsOrAnonReadOnly):
    """Anyone reads; writes need the model's add/change/delete permission (curators)."""


class EventPermissions(ModelPermissions):
    """Curators change drafts; changing a published or retracted event takes a reviewer."""

    message = "Only reviewers can change published events; curators change drafts."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in ("PUT", "PATCH") and obj.status in (Status.PUBLISHED, Status.RETRACTED):
            return request.user.has_perm("events.publish_event")
        return True


class CanPublish(permissions.BasePermission):
    message = "Only reviewers can publish events."

    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and request.user.has_perm("events.publish_event")


class CanViewUnpublished(permissions.BasePermission):
    """Staff reads (Viewer and above): what only people who may see drafts may see."""

    message = "Only staff with a role (Viewer and above) can see this."

    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and request.user.has_perm("events.view_event")


class CanRetract(permissions.BasePermission):
    message = "Only reviewers can retract events."

    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and request.user.has_perm("events.retract_event")


class AnonThrottle(AnonRateThrottle):
    """Anonymous throttling whose rate is read per request, so settings can change or disable it.

    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] (env ANON_THROTTLE_RATE, e.g. "120/minute");
    "off" or "" turns it off.
    """

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate in (None, "", "off", "0") else rate
