"""Who may do what through the API: the DRF face of events.rules.

Anonymous callers and viewers read; curators create, change and delete drafts and reference
data; reviewers also publish, retract and change published events; superusers do everything.
What a caller may *see* is decided by EventQuerySet.visible_to, not here.
"""

from __future__ import annotations

from rest_framework import permissions
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from config.proxies import client_ip
from events import rules
from events.models import Event
from events.roles import has_a_role
from events.rules import Action

# The rules' action for each HTTP method that writes.
METHOD_ACTIONS = {"POST": Action.ADD, "PUT": Action.CHANGE, "PATCH": Action.CHANGE, "DELETE": Action.DELETE}


class RulesPermission(permissions.BasePermission):
    """Asks events.rules whether the caller may do `action` (a class attribute, or the method's)."""

    action: Action | None = None
    message = "You may not do this."

    def _action(self, request) -> Action | None:
        return self.action or METHOD_ACTIONS.get(request.method)

    def _allowed(self, request, obj=None, model=None) -> bool:
        action = self._action(request)
        if action is None:
            return False
        reason = rules.permission_refusal(request.user, action, obj, model=model)
        if reason:
            self.message = reason
        return reason is None


class ModelPermissions(RulesPermission):
    """Anyone reads (what they may see is the queryset's business, EventQuerySet.visible_to);
    writes are events.rules': curators change drafts and reference data, reviewers published
    events. A state the rules refuse to everyone (a retracted event) is the service's 400."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(view, "_ignore_model_permissions", False):
            return True  # reads; or a view of no model (the API root), which answers 405 to writes
        # A plain APIView (the aggregates) has a queryset but no get_queryset().
        queryset = view.get_queryset() if hasattr(view, "get_queryset") else view.queryset
        return self._allowed(request, model=queryset.model)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return self._allowed(request, obj)


EventPermissions = ModelPermissions  # events follow the same rules, with their workflow


class CanPublish(RulesPermission):
    action = Action.PUBLISH

    def has_permission(self, request, view) -> bool:
        return self._allowed(request, model=Event)

    def has_object_permission(self, request, view, obj) -> bool:
        return self._allowed(request, obj)


class CanViewUnpublished(permissions.BasePermission):
    """Staff reads (Viewer and above): what only people who may see drafts may see."""

    message = "Only staff with a role (Viewer and above) can see this."

    def has_permission(self, request, view) -> bool:
        return has_a_role(request.user)


class CanRetract(CanPublish):
    action = Action.RETRACT


class AnonThrottle(AnonRateThrottle):
    """Anonymous throttling whose rate is read per request, so settings can change or disable it.

    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] (env ANON_THROTTLE_RATE, e.g. "120/minute");
    "off" or "" turns it off. Callers are told apart by the address the login lockout counts.
    """

    def get_ident(self, request) -> str:
        # Not DRF's own: without NUM_PROXIES it keys on whatever X-Forwarded-For the client sends.
        return client_ip(request) or ""

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate in (None, "", "off", "0") else rate
