"""Permissions loaded once per request, for every API view."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Q


def prime_permission_cache(user) -> None:
    """Load a user's permissions in one query instead of ModelBackend's two.

    ModelBackend keeps a user's permissions in `_perm_cache` for the rest of the request; filling
    it with the union of the user's and their groups' permissions keeps list pages within their
    query budget (docs/benchmarks.md: ≤ 6 queries) for token-authenticated clients.
    """
    if not user.is_authenticated or not user.is_active or user.is_superuser or hasattr(user, "_perm_cache"):
        return
    rows = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .distinct()
    )
    user._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
