"""The page-number paginator every list of the API uses: capped counts, a bounded depth, and a 400
naming the parameter for a bad page."""

from __future__ import annotations

from django.core.paginator import EmptyPage
from rest_framework import pagination
from rest_framework.response import Response

from core.api.exceptions import ParameterError, ParameterNotFound
from core.paging import CappedCountPaginator

MAX_PAGE_DEPTH = 10_000


def _positive_int(value: str, *, parameter: str) -> int:
    text = value.strip()
    if not text.isdigit() or int(text) < 1 or len(text) > 18:
        raise ParameterError({parameter: f"{parameter} must be a positive whole number, not {value!r}."})
    return int(text)


class PageNumberPagination(pagination.PageNumberPagination):
    """`page` and `page_size` (capped); answers with `count` and `count_is_estimate`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    max_depth = MAX_PAGE_DEPTH
    last_page_strings = ()
    django_paginator_class = CappedCountPaginator

    def get_page_size(self, request) -> int:
        value = request.query_params.get(self.page_size_query_param)
        if value is None or value == "":
            return self.page_size
        return min(_positive_int(value, parameter=self.page_size_query_param), self.max_page_size)

    def get_page_number(self, request, paginator=None) -> int:
        value = request.query_params.get(self.page_query_param)
        if value is None or value == "":
            return 1
        return _positive_int(value, parameter=self.page_query_param)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        number = self.get_page_number(request)
        if (number - 1) * page_size >= self.max_depth:
            raise ParameterError(
                {
                    self.page_query_param: (
                        f"Pages deeper than {self.max_depth:,} rows are not served; "
                        "pull large result sets with ?pagination=cursor and follow the `next` links."
                    )
                }
            )
        paginator = self.get_django_paginator(queryset, page_size)
        try:
            self.page = paginator.page(number)
        except EmptyPage:
            raise ParameterNotFound(
                parameter=self.page_query_param,
                message=f"Page {number} is beyond the last page ({paginator.num_pages}).",
            ) from None
        return list(self.page.object_list)

    def get_django_paginator(self, queryset, page_size: int):
        """The Django paginator that reads the pages (EventPagination's reads rows its own way)."""
        return self.django_paginator_class(queryset, page_size)

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "count": self.page.paginator.count,
                "count_is_estimate": self.page.paginator.count_is_estimate,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": "Matches; exact up to 10,000, an estimate beyond (page-number mode only).",
                },
                "count_is_estimate": {"type": "boolean"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": f"Page number (pages deeper than {self.max_depth:,} rows are refused).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}, at most {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
