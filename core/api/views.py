"""The base of every API view: unknown query parameters refused, permissions loaded once."""

from __future__ import annotations

from core.api.parameters import QueryParametersMixin
from core.api.permissions import prime_permission_cache

ID_PATTERN = r"[0-9]{1,18}"


class ChronicleAPIMixin(QueryParametersMixin):
    """Refuses query parameters the view does not read (QueryParametersMixin); loads the caller's
    permissions in one query (see prime_permission_cache)."""

    def perform_authentication(self, request) -> None:
        super().perform_authentication(request)
        prime_permission_cache(request.user)
