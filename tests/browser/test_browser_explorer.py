"""The explorer and the event page in a real browser (Debian's chromium through Playwright), on the
seed data: the map and timeline draw, a filter change redraws them and the downloads, nothing is
fetched from another host. PostgreSQL only (`.ci/run`'s PostgreSQL pass)."""

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from tests.browser.test_browser import CHROMIUM_ARGS, chromium  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
SEED = Path(__file__).resolve().parents[2] / "fixtures" / "seed.json"
ARTIFACTS = Path(
    os.environ.get("CHRONICLE_ARTIFACTS", Path(__file__).resolve().parents[2] / ".ci" / "artifacts")
)

# Pixels of a canvas in a colour near one event type's (the circles are drawn 85 % opaque).
COUNT_PIXELS = """([selector, rgb]) => {
  let count = 0;
  for (const canvas of document.querySelectorAll(selector)) {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) {
      const near = [0, 1, 2].every((k) => Math.abs(data[i + k] - rgb[k]) < 30);
      if (near) count++;
    }
  }
  return count;
}"""
BATTLES = (192, 57, 43)  # explorer.views.EVENT_TYPE_COLOURS
EXPLOSIONS = (230, 126, 34)
MAP_CANVASES = "#map canvas"
# The pages are served under the strictest policy the site may set: any inline script or style,
# eval or foreign load would be refused and reported on the console (and fail the test).
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'"
)


@pytest.fixture
def seeded(transactional_db):
    # Loaded before Playwright starts: its sync API runs an event loop in this thread, and Django
    # refuses ORM calls from a thread with a running loop.
    call_command("loaddata", str(SEED), verbosity=0)


def _base_url(live_server) -> str:
    """The live server by address: every request the page makes must go to 127.0.0.1."""
    return live_server.url.replace("//localhost:", "//127.0.0.1:")


def _browser_page(playwright, chromium, live_server):  # noqa: F811
    """A page whose every request is checked: only the live server's host is let through."""
    browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 1300, "height": 1100})
    foreign: list[str] = []

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if host != "127.0.0.1":
            foreign.append(route.request.url)
            route.abort()
        elif route.request.resource_type == "document":
            response = route.fetch()
            route.fulfill(
                response=response, headers={**response.headers, "content-security-policy": STRICT_CSP}
            )
        else:
            route.continue_()

    page.route("**/*", guard)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and "Content Security Policy" in message.text
            and errors.append(message.text)
        ),
    )
    return browser, page, foreign, errors


def test_the_explorer_draws_map_and_timeline_and_a_filter_redraws_them(live_server, chromium, seeded):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page, foreign, errors = _browser_page(playwright, chromium, live_server)
        try:
            page.goto(f"{_base_url(live_server)}/explore/")
            expect(page.locator("#map")).to_have_attribute("data-circles", re.compile(r"^[1-9]"))
            expect(page.locator("#timeline")).to_have_attribute("data-periods", re.compile(r"^[1-9]"))
            assert page.locator("#map").get_attribute("data-points") == "10"  # the seed's published places
            assert page.evaluate(COUNT_PIXELS, [MAP_CANVASES, BATTLES]) > 20
            labels = page.evaluate(
                "Chart.getChart(document.getElementById('timeline')).data.datasets.map(d => d.label)"
            )
            assert "Battles" in labels and "Explosions/Remote violence" in labels and "Fatalities" in labels
            assert page.evaluate(COUNT_PIXELS, ["#timeline", BATTLES]) > 20
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=True)

            page.select_option("select[name=event_type]", "Explosions/Remote violence")
            page.click("form#filters button[type=submit]")
            page.wait_for_url(re.compile(r"event_type=Explosions"))
            # No empty fields in the shareable URL.
            assert parse_qs(urlsplit(page.url).query) == {"event_type": ["Explosions/Remote violence"]}
            expect(page.locator("#map")).to_have_attribute("data-circles", "1")
            expect(page.locator("#timeline")).to_have_attribute("data-periods", re.compile(r"^[1-9]"))
            assert page.locator("#map").get_attribute("data-points") == "1"  # Homs
            assert page.evaluate(COUNT_PIXELS, [MAP_CANVASES, EXPLOSIONS]) > 20
            assert page.evaluate(COUNT_PIXELS, [MAP_CANVASES, BATTLES]) == 0
            labels = page.evaluate(
                "Chart.getChart(document.getElementById('timeline')).data.datasets.map(d => d.label)"
            )
            assert labels == ["Explosions/Remote violence", "Fatalities"]
            downloads = page.locator("a.download")
            assert downloads.count() == 4
            for index in range(4):
                assert parse_qs(urlsplit(downloads.nth(index).get_attribute("href")).query) == {
                    "event_type": ["Explosions/Remote violence"]
                }
            page.screenshot(path=str(ARTIFACTS / "explorer-explosions.png"), full_page=True)
        finally:
            browser.close()
    assert foreign == [] and errors == []


def test_the_public_event_page_shows_quotes_and_no_unpublished_event(live_server, chromium, seeded):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page, foreign, errors = _browser_page(playwright, chromium, live_server)
        try:
            page.goto(f"{_base_url(live_server)}/events/SYR1/")
            expect(page.locator("h1")).to_contain_text("SYR1")
            expect(page.locator(".citations")).to_contain_text(
                "Islamic State has destroyed its most famous monuments"
            )
            expect(page.locator("#event-map")).to_have_attribute("data-drawn", "1")
            page.screenshot(path=str(ARTIFACTS / "event-page.png"), full_page=True)
            for unpublished in ("SYR2", "SAU1"):  # the seed's draft and reviewed events
                response = page.goto(f"{_base_url(live_server)}/events/{unpublished}/")
                assert response.status == 404
            page.goto(f"{_base_url(live_server)}/explore/")
            expect(page.locator("table.events")).to_contain_text("SYR1")
            assert "SYR2" not in page.locator("main").inner_text()
            assert "SAU1" not in page.locator("main").inner_text()
        finally:
            browser.close()
    assert foreign == [] and errors == []
