"""A curator imports a small ACLED file with one bad row from the admin in a real browser (Debian's
chromium through Playwright): the preview names the bad row by its line, the confirmation imports
the rest as drafts, the result links the import batch. PostgreSQL only (`.ci/run`'s pass)."""

import pytest

from core.vocab import Status
from events.acled import ACLED_COLUMNS
from events.models import Event, ImportBatch
from events.roles import CURATOR
from tests.acled_files import current_row, write_csv
from tests.browser.chromium import ARTIFACTS, CHROMIUM_ARGS
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_a_curator_imports_an_acled_file_with_one_bad_row(live_server, chromium, tmp_path):  # noqa: F811
    # All data is written before Playwright starts (its event loop forbids ORM calls meanwhile).
    curator = UserFactory(username="browser-importer", role=CURATOR)
    rows = [
        current_row(event_id_cnty="SYR1001", notes="Regime forces shelled IS positions.\nIS retreated."),
        current_row(event_id_cnty="SYR1002", event_date="2015-11-11", fatalities="not known"),
        current_row(event_id_cnty="SYR1003", event_date="2015-11-12"),
    ]
    path = write_csv(tmp_path / "acled-palmyra.csv", ACLED_COLUMNS, rows)

    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/admin/login/?next=/admin/events/event/")
            page.fill("#id_username", curator.username)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.click("#import-file-link")
            expect(page.locator("#content h1")).to_contain_text("Import ACLED / UCDP file")

            page.set_input_files("input[name=import_file]", str(path))
            page.click("#file-import-form input[type=submit]")
            # Line 2's notes run over two lines: the bad row (the second record) is line 4.
            errors = page.locator("#row-errors")
            expect(errors).to_contain_text("4")
            expect(errors).to_contain_text("fatalities")
            expect(errors.locator("tbody tr")).to_have_count(1)
            expect(page.locator("#import-counts tbody")).to_contain_text("3")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "file-import-preview.png"), full_page=True)

            page.click("#confirm-import input[type=submit]")
            expect(page.locator("#import-result")).to_contain_text("acled-palmyra.csv")
            page.screenshot(path=str(ARTIFACTS / "file-import-result.png"), full_page=True)
            page.click("#batch-link")
            expect(page.locator("#content")).to_contain_text("acled-palmyra.csv")
            expect(page.locator("#content")).to_contain_text("not a whole number")
            page.screenshot(path=str(ARTIFACTS / "file-import-batch.png"), full_page=True)
        finally:
            browser.close()

    batch = ImportBatch.objects.get(state=ImportBatch.State.COMMITTED)
    assert (batch.created, batch.skipped, [error["row"] for error in batch.errors]) == (2, 1, [4])
    assert dict(Event.objects.values_list("event_id", "status")) == {
        "SYR1001": Status.DRAFT,
        "SYR1003": Status.DRAFT,
    }
