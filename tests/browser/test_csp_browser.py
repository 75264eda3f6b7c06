"""The Content-Security-Policy header holds on every page a browser opens: the admin (its import and
export screens included), the Swagger UI at /api/docs/ and Redoc at /api/redoc/ work under it, and
chromium reports no violation."""

import pytest

from tests.browser.chromium import CHROMIUM_ARGS
from tests.factories import PASSWORD, EventFactory, UserFactory

pytestmark = pytest.mark.browser

PAGES = [
    # (path, a selector that only a working page shows)
    ("/admin/", "#content"),
    ("/admin/events/event/", "#result_list"),
    ("/admin/events/event/add/", "#event_form"),
    ("/admin/events/event/import/", "input[type=file]"),
    ("/admin/events/event/export/", "select[name=format]"),
    ("/admin/events/event/1/change/", "#event_form"),
    ("/api/docs/", ".swagger-ui .info .title"),
    ("/api/redoc/", "redoc h1, #redoc-container h1, .api-content h1"),
]


def test_the_admin_and_the_api_docs_work_under_the_policy(live_server, chromium):  # noqa: F811
    UserFactory(username="csp-admin", is_superuser=True)
    EventFactory(pk=1)

    from playwright.sync_api import expect, sync_playwright

    violations: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda message: violations.append(message.text)
                    if "Content Security Policy" in message.text else None)  # fmt: skip
            page.on("pageerror", lambda error: violations.append(f"page error: {error}"))
            page.goto(f"{live_server.url}/admin/login/")
            page.fill("#id_username", "csp-admin")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            for path, selector in PAGES:
                response = page.goto(f"{live_server.url}{path}")
                assert "script-src 'self'" in response.headers["content-security-policy"], path
                expect(page.locator(selector).first).to_be_visible(timeout=20_000)
            # The export screen's "Select all" box runs an inline handler, allowed by its hash.
            page.goto(f"{live_server.url}/admin/events/event/export/")
            toggle = page.locator("input.select-toggle")
            if toggle.count():
                toggle.uncheck()
                expect(
                    page.locator(".selectable-field-export-row input[type=checkbox]").first
                ).not_to_be_checked()
        finally:
            browser.close()
    # Redoc's footer shows a logo from its vendor's CDN: the policy blocks it, as it should (the docs
    # fetch nothing from a third party), and the image hides itself. Nothing of the site is blocked.
    third_party = "Loading the image 'https://cdn.redoc.ly/redoc/logo-mini.svg'"
    assert [text for text in violations if not text.startswith(third_party)] == []
