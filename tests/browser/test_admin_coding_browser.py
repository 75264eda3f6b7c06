"""Coding in the admin, in a real browser (Debian's chromium through Playwright): the sub-event type
follows the event type, place suggestions carry their kind and path, picking an actor fills its inter
code, the event list fits 1,400 px, and two actors are merged through the list's action. PostgreSQL
only (`.ci/run`'s PostgreSQL pass); screenshots go to .ci/artifacts/."""

import datetime as dt

import pytest

from actors.models import Actor
from core.vocab import ActorRole, EventType, InterCode, Status, SubEventType
from events.roles import CURATOR
from places.models import Place, PlaceKind
from tests.browser.chromium import ARTIFACTS, CHROMIUM_ARGS
from tests.factories import PASSWORD, ActorFactory, EventActorFactory, EventFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def homs_places() -> dict[str, Place]:
    """Syria > Homs (admin1) > Homs (admin2) > Tadmor (locality): two places called Homs."""
    syria = Place.objects.create(name="Syria", kind=PlaceKind.COUNTRY, country_code="SYR")
    governorate = Place.objects.create(name="Homs", kind=PlaceKind.ADMIN1, parent=syria)
    district = Place.objects.create(name="Homs", kind=PlaceKind.ADMIN2, parent=governorate)
    town = Place.objects.create(name="Tadmor", kind=PlaceKind.LOCALITY, parent=district)
    return {"syria": syria, "governorate": governorate, "district": district, "town": town}


def signed_in_page(playwright, chromium, live_server, username, width=1400):
    browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": width, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The scripts are files and the vocabulary a data attribute: the CSP must refuse nothing.
    page.on("console", lambda message: errors.append(message.text)
            if "Content Security Policy" in message.text else None)  # fmt: skip
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return browser, page, errors


def pick(page, select_id: str, typed: str, option_text: str) -> None:
    """Choose a select2 autocomplete suggestion as a coder does: open, type, click."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(typed)
    page.locator(".select2-results__option", has_text=option_text).first.click()


def test_coding_an_event_the_form_helps(live_server, chromium):
    UserFactory(username="coder", role=CURATOR)
    homs_places()
    ActorFactory(name="Military Forces of Syria (2000-2024)", kind=InterCode.STATE_FORCES)
    ActorFactory(name="Islamic State (Syria)", kind=InterCode.REBEL_GROUP)

    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page, errors = signed_in_page(playwright, chromium, live_server, "coder")
        try:
            page.goto(f"{live_server.url}/admin/events/event/add/")
            sub_types = page.locator("#id_sub_event_type option")

            # The sub-event type offers only the chosen event type's sub-types.
            page.select_option("#id_event_type", EventType.PROTESTS)
            expect(sub_types).to_have_text(
                [
                    "---------",
                    "Peaceful protest",
                    "Protest with intervention",
                    "Excessive force against protesters",
                ]
            )
            page.select_option("#id_event_type", EventType.BATTLES)
            expect(sub_types).to_have_count(4)
            page.select_option("#id_sub_event_type", SubEventType.ARMED_CLASH)
            page.select_option("#id_event_type", EventType.RIOTS)  # no longer a valid pair: cleared
            expect(page.locator("#id_sub_event_type")).to_have_value("")
            page.select_option("#id_event_type", EventType.BATTLES)

            # The place suggestions tell the two Homs apart by kind and path.
            page.locator("#id_place + .select2 .select2-selection").click()
            page.locator(".select2-container--open .select2-search__field").fill("Homs")
            suggestions = page.locator(".select2-results__option")
            expect(suggestions.first).not_to_have_text("Searching…")
            expect(suggestions).to_contain_text(["Homs (admin1) — Syria", "Homs (admin2) — Syria › Homs"])
            page.screenshot(path=str(ARTIFACTS / "admin-place-autocomplete.png"))
            suggestions.filter(has_text="Homs (admin2)").click()

            # Two actor rows, actor 1 and actor 2; picking an actor fills its inter code.
            expect(page.locator("#id_event_actors-0-role")).to_have_value(ActorRole.ACTOR1)
            expect(page.locator("#id_event_actors-1-role")).to_have_value(ActorRole.ACTOR2)
            pick(page, "id_event_actors-0-actor", "Islamic", "Islamic State (Syria)")
            expect(page.locator("#id_event_actors-0-inter")).to_have_value(str(InterCode.REBEL_GROUP))
            pick(page, "id_event_actors-1-actor", "Military", "Military Forces of Syria")
            expect(page.locator("#id_event_actors-1-inter")).to_have_value(str(InterCode.STATE_FORCES))
            page.screenshot(path=str(ARTIFACTS / "admin-event-coding.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []


def test_the_event_list_fits_1400_pixels_with_actors_fatalities_and_status(live_server, chromium):
    UserFactory(username="lister", is_superuser=True)
    places = homs_places()
    state = ActorFactory(name="Military Forces of Syria (2000-2024)", kind=InterCode.STATE_FORCES)
    rebels = ActorFactory(
        name="Hayat Tahrir al-Sham and allied opposition factions", kind=InterCode.REBEL_GROUP
    )
    for day in range(1, 11):
        event = EventFactory(
            event_date=dt.date(2016, 3, day),
            event_type=EventType.EXPLOSIONS,
            sub_event_type=SubEventType.SHELLING,
            place=places["town"],
            fatalities=100 + day,
        )
        EventActorFactory(event=event, actor=state, role=ActorRole.ACTOR1)
        EventActorFactory(event=event, actor=rebels, role=ActorRole.ACTOR2)

    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page, errors = signed_in_page(playwright, chromium, live_server, "lister", width=1400)
        try:
            page.goto(f"{live_server.url}/admin/events/event/")
            expect(page.locator("#result_list")).to_contain_text("Hayat Tahrir al-Sham")
            page.screenshot(path=str(ARTIFACTS / "admin-event-list-1400.png"), full_page=True)
            # Neither the page nor the table (Django scrolls it in its own box) scrolls sideways.
            overflow = page.evaluate(
                """() => [document.documentElement, document.querySelector('#changelist .results')]
                    .map((box) => box.scrollWidth - box.clientWidth)"""
            )
            assert overflow == [0, 0], f"sideways scroll at 1,400 px (page, table): {overflow}"
            for column in ("actors", "fatalities", "status"):
                box = page.locator(f"#result_list th.column-{column}").bounding_box()
                assert box is not None and box["x"] + box["width"] <= 1400, column
        finally:
            browser.close()
    assert errors == []


def test_a_curator_merges_two_actors_through_the_list_action(live_server, chromium):
    UserFactory(username="merger", role=CURATOR)
    kept = ActorFactory(name="Islamic State (Syria)", kind=InterCode.REBEL_GROUP)
    gone = ActorFactory(name="ISIS", kind=InterCode.REBEL_GROUP)
    event = EventFactory(status=Status.DRAFT)
    EventActorFactory(event=event, actor=gone, role=ActorRole.ACTOR1)
    kept_pk, gone_pk = kept.pk, gone.pk

    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page, errors = signed_in_page(playwright, chromium, live_server, "merger")
        try:
            page.goto(f"{live_server.url}/admin/actors/actor/")
            page.check(f"input.action-select[value='{kept_pk}']")
            page.check(f"input.action-select[value='{gone_pk}']")
            page.select_option("select[name=action]", "merge_selected")
            page.click("button[name=index]")
            expect(page.locator("#merge_form")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "admin-actor-merge-confirm.png"), full_page=True)
            page.check(f"input[name=survivor][value='{kept_pk}']")
            page.click("#merge_form input[type=submit]")
            expect(page.locator(".messagelist")).to_contain_text("Merged ISIS into Islamic State (Syria)")
            page.screenshot(path=str(ARTIFACTS / "admin-actor-merged.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert not Actor.objects.filter(pk=gone_pk).exists()
    survivor = Actor.objects.get(pk=kept_pk)
    assert "ISIS" in survivor.aliases.splitlines()
    assert event.event_actors.get().actor_id == kept_pk
