"""Debian's chromium as the browser tests start it, and where their screenshots go."""

import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots are test artifacts: .ci/artifacts/ unless CHRONICLE_ARTIFACTS says otherwise.
ARTIFACTS = Path(
    os.environ.get("CHRONICLE_ARTIFACTS", Path(__file__).resolve().parents[2] / ".ci" / "artifacts")
)
