"""The query parameters an /api/v1/ view accepts; any other answers 400 naming it.

A view accepts, for the request's action and method:

- its filter set's filters, on list reads (GET or HEAD of a list) or wherever it sets
  `filter_parameters = True` (the exports; an `@action` passes it as a keyword);
- its paginator's parameters (`page`, `page_size`, and the cursor's `pagination`, `cursor`),
  on list reads or wherever it sets `pagination_parameters = True`;
- `format`, DRF's choice of renderer (`?format=json`), unless it sets `format_parameter = False`
  (a file download, whose format is in its URL);
- the extras it declares in `query_parameters`: OpenApiParameters for every action of the view,
  or a dict {action: [OpenApiParameter, …]} for a viewset's actions. An `@action` declares its
  own: `@action(detail=False, query_parameters=[PERIOD], filter_parameters=True)`.

The OpenAPI schema (events.api.schema.AutoSchema) lists the same parameters, from the same
declarations, so a client (or schemathesis) learns exactly what is accepted. The check is pure
Python (no query) and runs first, before authentication and content negotiation; OPTIONS is
exempt (see check_query_parameters).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.mixins import ListModelMixin
from rest_framework.settings import api_settings

from core.api.exceptions import ParameterError

READ_METHODS = ("GET", "HEAD")
# Unknown parameters named in one answer (each message lists the accepted ones): a query string of
# thousands of them gets a short answer.
MAX_REPORTED = 20


def format_parameter(view) -> OpenApiParameter | None:
    """DRF's `?format=` (api_settings.URL_FORMAT_OVERRIDE): one of the view's renderers."""
    name = api_settings.URL_FORMAT_OVERRIDE
    if not name or not getattr(view, "format_parameter", True):
        return None
    formats = list(dict.fromkeys(renderer.format for renderer in view.renderer_classes))
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        enum=formats,
        description=f"The response format ({', '.join(formats)}); the same as the Accept header.",
    )


class QueryParametersMixin:
    """Refuses the query parameters a view does not read (see the module docstring)."""

    # Declarations (class attributes, or keywords of @action):
    query_parameters: Sequence[OpenApiParameter] | Mapping[str, Sequence[OpenApiParameter]] = ()
    filter_parameters: bool | None = None  # None: on list reads
    pagination_parameters: bool | None = None  # None: on list reads
    format_parameter: bool = True

    def is_list_read(self, method: str) -> bool:
        """A GET of a list: a viewset's `list`, or a generic list view."""
        if method not in READ_METHODS:
            return False
        action = getattr(self, "action", None)
        if action is not None:
            return action == "list"
        return isinstance(self, ListModelMixin)

    def _applies(self, declared: bool | None, method: str) -> bool:
        if declared is None:
            return self.is_list_read(method)
        return declared and method in READ_METHODS

    def filters_apply(self, method: str) -> bool:
        return self._applies(self.filter_parameters, method)

    def pagination_applies(self, method: str) -> bool:
        paginator = getattr(self, "paginator", None)  # generic views have one; an APIView none
        return paginator is not None and self._applies(self.pagination_parameters, method)

    def declared_query_parameters(self) -> list[OpenApiParameter]:
        """The extras of `query_parameters` for this view's action."""
        declared = self.query_parameters
        if isinstance(declared, Mapping):
            declared = declared.get(getattr(self, "action", None), ())
        return list(declared)

    def accepted_query_parameters(self, method: str) -> list[str]:
        """Every parameter name this view reads for `method` (and its action): filters, pages,
        format, extras."""
        names: list[str] = []
        if self.filters_apply(method):
            filterset = getattr(self, "filterset_class", None)
            for backend in getattr(self, "filter_backends", ()):
                if issubclass(backend, DjangoFilterBackend):
                    names += filterset.base_filters if filterset else ()
                else:  # DRF's own backends declare their parameters without a query
                    names += [p["name"] for p in backend().get_schema_operation_parameters(self)]
        if self.pagination_applies(method):
            names += [p["name"] for p in self.paginator.get_schema_operation_parameters(self)]
        fmt = format_parameter(self)
        if fmt is not None:
            names.append(fmt.name)
        names += [p.name for p in self.declared_query_parameters() if p.location == OpenApiParameter.QUERY]
        return list(dict.fromkeys(names))

    def check_query_parameters(self, request) -> None:
        """400 naming each parameter this view does not read, with the ones it does.

        Not for OPTIONS: it describes the URL and reads no parameter, and a browser's CORS
        preflight carries the query string of the request it asks about.
        """
        if request.method == "OPTIONS":
            return
        accepted = self.accepted_query_parameters(request.method)
        unknown = [name for name in request.query_params if name not in accepted]
        if not unknown:
            return
        listed = ", ".join(sorted(accepted)) or "none"
        errors: dict[str, str] = {}
        for name in unknown[:MAX_REPORTED]:
            name = name if len(name) <= 100 else f"{name[:100]}…"
            errors[name] = f"Unknown parameter {name!r}; this URL accepts: {listed}."
        if len(unknown) > MAX_REPORTED:
            errors["__all__"] = f"… and {len(unknown) - MAX_REPORTED:,} more unknown parameters."
        raise ParameterError(errors)

    def initial(self, request, *args, **kwargs) -> None:
        # First: a misspelt parameter is reported as such, not as the 404 of an unknown `format`.
        self.check_query_parameters(request)
        super().initial(request, *args, **kwargs)
