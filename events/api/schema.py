"""OpenAPI generation: every operation declares the shared error shape for its error codes, and
exactly the query parameters its view accepts (core.api.parameters)."""

from drf_spectacular import openapi

from core.api.parameters import QueryParametersMixin, format_parameter
from core.api.serializers import ErrorSerializer

# 503: config.middleware answers it, in the same shape, when the database is unreachable; 414:
# config.request_limits, for a query string over MAX_QUERY_STRING_BYTES (a long event_id list).
READ_ERRORS = ["400", "401", "403", "404", "414", "429", "503"]
WRITE_ERRORS = [*READ_ERRORS, "409", "412", "415"]


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, plus the error responses the exception handler produces.

    Query parameters come from the view's declarations (QueryParametersMixin), the ones its
    unknown-parameter check accepts: the filter set's filters and the paginator's parameters
    where they apply, `format`, and the view's declared extras.
    """

    def _declares(self) -> bool:
        return isinstance(self.view, QueryParametersMixin)

    def get_filter_backends(self):
        if not self._declares():
            return super().get_filter_backends()
        if not self.view.filters_apply(self.method):
            return []
        return list(getattr(self.view, "filter_backends", ()))

    def _get_pagination_parameters(self):
        if not self._declares():
            return super()._get_pagination_parameters()
        if not self.view.pagination_applies(self.method):
            return []
        return self.view.paginator.get_schema_operation_parameters(self.view)

    def _get_format_parameters(self):
        if not self._declares():
            return super()._get_format_parameters()
        return []  # `format` is one of the override parameters below, with its description

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._declares():
            fmt = format_parameter(self.view)
            parameters += [*([fmt] if fmt else []), *self.view.declared_query_parameters()]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = READ_ERRORS if self.method in ("GET", "HEAD", "OPTIONS") else WRITE_ERRORS
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return responses


def event_members_are_optional(result: dict, generator, request, public) -> dict:
    """`fields=` may leave out any member of an event, so the Event schema requires none."""
    result["components"]["schemas"]["Event"].pop("required", None)
    return result
