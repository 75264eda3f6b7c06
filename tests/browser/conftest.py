"""The browser tests' fixture: Debian's chromium, or a skip (a failure when CI requires it)."""

import os
from pathlib import Path

import pytest

from tests.browser.chromium import CHROMIUM


@pytest.fixture
def chromium() -> Path:
    """Debian's chromium; skipped where it is missing, a failure when CI requires the browser check."""
    if CHROMIUM.exists():
        return CHROMIUM
    reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
    if os.environ.get("CHRONICLE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; CHRONICLE_REQUIRE_BROWSER=1 requires the browser check")
    pytest.skip(reason)
