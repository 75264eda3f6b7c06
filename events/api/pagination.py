"""Page-number pagination with capped counts, and keyset (cursor) pagination for bulk pulls.

docs/architecture.md, "Pagination": page-number by default; counts are exact up to 10,000 matches
and estimated beyond (`count_is_estimate: true`); pages deeper than 10,000 rows answer 400
pointing to the cursor. `?pagination=cursor` (or any `cursor=`) switches to keyset pagination
over (updated_at, id) with an opaque cursor; DRF's CursorPagination positions on one field
only, and a bulk import gives many rows the same `updated_at`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from django.utils.dateparse import parse_datetime
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.api.exceptions import ParameterError
from core.api.pagination import PageNumberPagination
from events.models import visible_statuses
from events.paging import EventPaginator, Position


class EventPagination(PageNumberPagination):
    """Page numbers by default; keyset pages over (updated_at, id) with `pagination=cursor`.

    HTTP only: the parameters in, the links and the body out. Which way a page is read (walked,
    gathered, merged from a period's date buckets) is events.paging.EventPaginator's choice.
    """

    mode_query_param = "pagination"
    cursor_query_param = "cursor"
    modes = ("page", "cursor")
    # Set by the view: the values() columns a page reads (see events.api.serializers.EventRows).
    columns: list[str] | None = None

    def get_django_paginator(self, queryset, page_size: int) -> EventPaginator:
        return EventPaginator(
            queryset,
            page_size,
            params=self.request.query_params,
            columns=self.columns,
            statuses=visible_statuses(self.request.user),
        )

    def _mode(self, request) -> str:
        mode = request.query_params.get(self.mode_query_param) or "page"
        if mode not in self.modes:
            raise ParameterError(
                {self.mode_query_param: f"Unknown pagination {mode!r}; allowed: page, cursor."}
            )
        if self.cursor_query_param in request.query_params:
            return "cursor"
        return mode

    def paginate_queryset(self, queryset, request, view=None):
        self.mode = self._mode(request)
        if self.mode == "page":
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        if request.query_params.get("ordering"):
            raise ParameterError(
                {"ordering": "Cursor pages are always ordered by (updated_at, id); drop ordering."}
            )
        paginator = self.get_django_paginator(queryset, self.get_page_size(request))
        self.cursor_page = paginator.after(
            self.decode_cursor(request.query_params.get(self.cursor_query_param))
        )
        return self.cursor_page.rows

    def decode_cursor(self, value: str | None) -> Position | None:
        if not value:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(value.encode("ascii") + b"=" * (-len(value) % 4)))
            updated_at, pk = parse_datetime(data["u"]), data["i"]
            if updated_at is None or updated_at.tzinfo is None:
                raise ValueError
            if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
                raise ValueError
            return updated_at.astimezone(dt.UTC), pk
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error, OverflowError):
            raise ParameterError(
                {self.cursor_query_param: "Invalid cursor; use the `next` link of a previous page as is."}
            ) from None

    @staticmethod
    def encode_cursor(position: Position) -> str:
        updated_at, pk = position
        raw = json.dumps({"u": updated_at.isoformat(), "i": pk}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def get_next_link(self) -> str | None:
        if self.mode == "page":
            return super().get_next_link()
        if not self.cursor_page.has_next:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        url = replace_query_param(url, self.mode_query_param, "cursor")
        return replace_query_param(
            url, self.cursor_query_param, self.encode_cursor(self.cursor_page.next_position)
        )

    def get_paginated_response(self, data) -> Response:
        if self.mode == "page":
            return super().get_paginated_response(data)
        return Response({"next": self.get_next_link(), "previous": None, "results": data})

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.mode_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "`page` (default): numbered pages with a count. `cursor`: stable keyset pages "
                    "ordered by (updated_at, id) for bulk pulls; follow `next` until it is null."
                ),
                "schema": {"type": "string", "enum": list(self.modes)},
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position from the `next` link of a previous page (cursor mode).",
                "schema": {"type": "string"},
            },
        ]
