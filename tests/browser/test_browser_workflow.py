"""In chromium: a curator codes the seed's SYR8 a second time; a reviewer sees the warning, is held
at Publish until "not a duplicate" is confirmed, then publishes (screenshots in .ci/artifacts/)."""

import re

import pytest
from django.conf import settings
from django.core.management import call_command

from core.vocab import Status
from events.models import DuplicateDecision, Event
from events.roles import CURATOR, REVIEWER
from tests.browser.chromium import ARTIFACTS, CHROMIUM_ARGS
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
SEED = settings.BASE_DIR / "fixtures" / "seed.json"


def sign_in(browser, live_server, username: str):
    """A fresh browser context signed in as `username`; CSP violations and page errors collected."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
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
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return page, errors


def pick(page, container: str, term: str, choice: str) -> None:
    """Choose `choice` in the admin's autocomplete (select2) inside `container`, typing `term`."""
    page.click(f"{container} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", term)
    page.click(f".select2-results__option:has-text('{choice}')")


def test_a_duplicate_of_syr8_waits_at_publish_until_it_is_confirmed_distinct(live_server, chromium):
    # All data is written before Playwright starts (its sync API runs an event loop in this thread).
    call_command("loaddata", str(SEED), verbosity=0)
    curator = UserFactory(username="browser-curator", role=CURATOR)
    reviewer = UserFactory(username="browser-reviewer", role=REVIEWER)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            # The curator codes the Kweires airbase event again, as SYR8 has it.
            page, errors = sign_in(browser, live_server, curator.username)
            page.goto(f"{live_server.url}/admin/events/event/add/")
            page.fill("#id_event_date", "2015-11-10")
            page.select_option("#id_time_precision", "2")
            page.select_option("#id_event_type", "Battles")
            page.select_option("#id_sub_event_type", "Government regains territory")
            page.fill("#id_fatalities", "0")
            pick(page, ".field-place", "Kweires", "Kweires airbase")
            page.select_option("#id_event_actors-0-role", "actor1")
            pick(page, "#event_actors-0", "Military Forces", "Military Forces of Syria")
            pick(page, "#citations-0", "Seed news", "Seed news report")
            page.fill("#id_citations-0-quote", "Troops relieved an airbase besieged for two years.")
            page.click("input[name=_save]")
            messages = page.locator(".messagelist")
            expect(messages).to_contain_text("may duplicate SYR8")
            event_url = page.locator(".messagelist a").first.get_attribute("href")
            event_id = re.search(r"(SYR\d+) may duplicate SYR8", messages.inner_text()).group(1)
            # A curator's draft: marking it reviewed is hers, publishing is not.
            page.goto(f"{live_server.url}{event_url}")
            expect(page.locator("#workflow-mark_reviewed")).to_be_enabled()
            expect(page.locator("#workflow-publish")).to_have_count(0)
            assert errors == [], errors

            # The reviewer opens it: the candidates are listed, and Publish asks first.
            page, errors = sign_in(browser, live_server, reviewer.username)
            page.goto(f"{live_server.url}{event_url}")
            expect(page.locator(".field-possible_duplicates")).to_contain_text("SYR8")
            expect(page.locator("#workflow-heading")).to_contain_text("Draft")
            page.click("#workflow-publish")
            warning = page.locator("#workflow-duplicate-warning")
            expect(warning).to_contain_text(f"{event_id} may duplicate another event")
            expect(page.locator(".workflow-candidates")).to_contain_text("SYR8")
            page.screenshot(path=str(ARTIFACTS / "workflow-duplicate-warning.png"), full_page=True)

            # Not confirmed: taken back, still a draft; Publish asks again.
            page.click("a:text('No, take me back')")
            expect(page.locator("#workflow-heading")).to_contain_text("Draft")
            page.click("#workflow-publish")
            expect(warning).to_be_visible()

            # Confirmed: published, the page says so.
            page.click("#workflow-confirm")
            expect(page.locator(".messagelist")).to_contain_text(f"{event_id} published.")
            expect(page.locator("#workflow-heading")).to_contain_text("Published")
            expect(page.locator("#workflow-publish")).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "workflow-published.png"), full_page=True)
            assert errors == [], errors
        finally:
            browser.close()

    event = Event.objects.get(event_id=event_id)
    syr8 = Event.objects.get(event_id="SYR8")
    assert event.status == Status.PUBLISHED and event.updated_by == reviewer
    decision = DuplicateDecision.objects.get()
    assert {decision.event_a_id, decision.event_b_id} == {event.pk, syr8.pk}
    assert decision.decided_by == reviewer
