"""URLs of the HTTP exports under /api/v1/exports/ (owned by the import/export work)."""

urlpatterns: list = []
