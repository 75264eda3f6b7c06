"""Who the client is behind reverse proxies: one answer for every throttle (docs/security.md).

django-axes' login lockout (settings.AXES_CLIENT_IP_CALLABLE) and the API's anonymous rate
(events.api.permissions.AnonThrottle) both count the address client_ip() returns.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, unless settings.TRUSTED_PROXY_COUNT proxies stand in front.

    Behind proxies, the address the outermost of them saw, counted from the right of
    X-Forwarded-For, since everything to its left is whatever the client chose to send.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")
