"""URLs of the REST API under /api/v1/ (owned by the REST API work)."""

urlpatterns: list = []
