"""Chronicle's URLs: the admin, the REST API, its schema and docs, the exports."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from oauth2_provider.views import RevokeTokenView, TokenView

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/exports/", include("events.export_urls")),
    path("api/v1/", include("events.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="events/api_redoc.html"),
        name="api-redoc",
    ),
    path("api/", include("events.acled_api.urls")),  # ACLED-compatible: /api/acled/read, …
    # ACLED's OAuth token flow (events/acled_api/oauth.py): only these two views of
    # django-oauth-toolkit, never oauth2_provider.urls (its pages let any signed-in user register
    # clients). Both are CSRF-exempt: credentials come in the body, not a cookie.
    path("oauth/token", TokenView.as_view(), name="oauth-token"),
    path("oauth/revoke_token", RevokeTokenView.as_view(), name="oauth-revoke-token"),
    path("", include("explorer.urls")),  # the public explorer and event pages
]

# JSON 404s under /api/ (DEBUG off); Django's own page elsewhere.
handler404 = "events.api.views.api_not_found"
