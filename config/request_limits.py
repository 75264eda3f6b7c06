"""Refuse over-long query strings before any view reads them (docs/security.md).

gunicorn refuses request lines over 4,094 bytes by itself; this keeps the same promise under any
server (runserver, another WSGI host, the test client): a 10 MB parameter is a 414 naming it, not a
10 MB database query or an error message echoing 10 MB back.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse


class QueryStringLimitMiddleware:
    """414 when the query string exceeds settings.MAX_QUERY_STRING_BYTES."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        limit = settings.MAX_QUERY_STRING_BYTES
        if len(query) > limit:
            return self.too_long(request, query, limit)
        return self.get_response(request)

    @staticmethod
    def too_long(request, query: str, limit: int) -> HttpResponse:
        longest = max(query.split("&"), key=len)
        name = longest.split("=", 1)[0][:100]
        message = (
            f"The query string is {len(query):,} bytes long; at most {limit:,} are accepted "
            f"({name} alone is {len(longest):,})."
        )
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": message, "errors": [{"parameter": name, "message": message}]}, status=414
            )
        return HttpResponse(message, status=414, content_type="text/plain; charset=utf-8")
