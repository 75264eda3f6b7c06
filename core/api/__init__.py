"""The API plumbing the REST APIs of every app share: the strict filter set, the serializer base,
the view mixin, the paginator and the one error shape."""
