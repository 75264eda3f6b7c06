"""What management commands print: their own summary, no banner from a third-party app."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs manage.py in a subprocess

ROOT = Path(__file__).resolve().parents[2]


def test_a_management_command_prints_no_axes_banner():
    # The banner is logged while Django sets up, before call_command could capture anything: run
    # a real manage.py process, as a script would.
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "INFO"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "AXES" not in result.stdout + result.stderr
