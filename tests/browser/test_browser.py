"""A real browser (Debian's chromium, driven by Playwright) logs into the admin of a live server."""

import pytest

from core.vocab import ActorRole, InterCode
from events.roles import CURATOR
from tests.browser.chromium import CHROMIUM_ARGS
from tests.factories import (
    PASSWORD,
    ActorFactory,
    CitationFactory,
    EventActorFactory,
    EventFactory,
    PlaceFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser


def test_a_curator_logs_in_and_opens_the_event_list_and_an_event(live_server, chromium):
    # All data is written before Playwright starts: its sync API runs an event loop in this
    # thread, and Django refuses ORM calls from a thread with a running loop.
    curator = UserFactory(username="browser-curator", role=CURATOR)
    palmyra = PlaceFactory(name="Palmyra")
    event = EventFactory(
        place=palmyra,
        fatalities=15,
        notes="Islamic State fighters took Palmyra from government forces.",
    )
    EventActorFactory(event=event, role=ActorRole.ACTOR1, actor=ActorFactory(name="Islamic State (Syria)"))
    EventActorFactory(
        event=event,
        role=ActorRole.ACTOR2,
        actor=ActorFactory(name="Military Forces of Syria (2000-2024)", kind=InterCode.STATE_FORCES),
    )
    CitationFactory(
        event=event,
        source=SourceFactory(name="Syrian Observatory for Human Rights"),
        quote="Islamic State fighters seized the ancient city, the Observatory said.",
    )
    event_id, username = event.event_id, curator.username

    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/admin/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            expect(page.locator("#site-name")).to_contain_text("Chronicle")
            expect(page.locator("#content")).to_contain_text("Events")

            page.goto(f"{live_server.url}/admin/events/event/")
            results = page.locator("#result_list")
            expect(results).to_contain_text(event_id)
            expect(results).to_contain_text("Islamic State (Syria) — Military Forces of Syria (2000-2024)")
            expect(results).to_contain_text("Palmyra")

            page.click(f"#result_list a:text-is('{event_id}')")
            expect(page.locator("#content h2").first).to_contain_text(event_id)
            expect(page.locator("textarea[name=notes]")).to_have_value(
                "Islamic State fighters took Palmyra from government forces."
            )
            expect(page.locator("#event_actors-group")).to_contain_text("Islamic State (Syria)")
            expect(page.locator("#citations-group")).to_contain_text("Syrian Observatory for Human Rights")
            expect(page.locator(".fieldBox.field-disorder_type")).to_contain_text(
                "Political violence", ignore_case=True
            )
        finally:
            browser.close()
