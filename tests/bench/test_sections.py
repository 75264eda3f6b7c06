"""The generated sections of docs/benchmarks.md: each size of database keeps its own."""

import re
from pathlib import Path

import pytest

from bench.sections import markers, size_key, write_section

DOC = """# Benchmarks

Hand-written text.

<!-- bench:begin -->
the million-event run
<!-- bench:end -->

## Targets at a million events

<!-- loadtest:begin -->
### Latest run
the million-event load test
<!-- loadtest:end -->
"""


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "benchmarks.md"
    path.write_text(DOC, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("events", "key"),
    [(1_000_000, 1_000_000), (1_000_012, 1_000_000), (999_700, 1_000_000), (3_000_000, 3_000_000),
     (100_244, 100_000), (20_000, 20_000), (42, 42)],
)  # fmt: skip
def test_size_key_rounds_to_two_significant_figures(events, key):
    assert size_key(events) == key


def test_the_million_event_run_keeps_the_plain_markers():
    assert markers("bench", 1_000_000) == ("<!-- bench:begin -->", "<!-- bench:end -->")
    assert markers("loadtest", 3_000_000) == (
        "<!-- loadtest:3000000:begin -->",
        "<!-- loadtest:3000000:end -->",
    )


def test_a_million_event_run_rewrites_only_its_own_section(doc):
    write_section(doc, kind="bench", events=1_000_000, text="a new run\n")

    assert doc.read_text() == DOC.replace("the million-event run", "a new run")


def test_a_run_at_another_size_adds_its_section_after_the_million_event_one(doc):
    write_section(doc, kind="bench", events=3_000_000, text="the 3M run")

    text = doc.read_text()
    assert "the million-event run" in text
    assert text.index("<!-- bench:end -->") < text.index("<!-- bench:3000000:begin -->")
    assert "<!-- bench:3000000:begin -->\nthe 3M run\n<!-- bench:3000000:end -->\n\n## Targets" in text


def test_each_size_then_rewrites_its_own_section_only(doc):
    write_section(doc, kind="bench", events=3_000_000, text="the first 3M run")
    write_section(doc, kind="loadtest", events=3_000_000, text="the 3M load test")
    write_section(doc, kind="bench", events=3_000_012, text="the second 3M run")
    write_section(doc, kind="bench", events=1_000_000, text="a new 1M run")

    text = doc.read_text()
    assert "the first 3M run" not in text
    assert text.count("the second 3M run") == 1
    assert "a new 1M run" in text and "the million-event run" not in text
    assert "the million-event load test" in text
    assert text.endswith("<!-- loadtest:end -->\n\n<!-- loadtest:3000000:begin -->\nthe 3M load test\n"
                         "<!-- loadtest:3000000:end -->\n")  # fmt: skip


def test_a_file_without_markers_gets_them_at_the_end(tmp_path):
    path = tmp_path / "other.md"
    path.write_text("# Other\n\nText.\n")

    write_section(path, kind="bench", events=100_000, text="a quick run")

    assert (
        path.read_text()
        == "# Other\n\nText.\n\n<!-- bench:100000:begin -->\na quick run\n<!-- bench:100000:end -->\n"
    )


def test_rewriting_the_real_document_with_its_own_sections_changes_nothing(tmp_path):
    real = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
    copy = tmp_path / "benchmarks.md"
    copy.write_text(real.read_text(encoding="utf-8"), encoding="utf-8")
    for kind in ("bench", "loadtest"):
        begin, end = markers(kind, 1_000_000)
        inside = real.read_text(encoding="utf-8").split(begin, 1)[1].split(end, 1)[0]
        write_section(copy, kind=kind, events=1_000_000, text=inside)

    assert copy.read_text(encoding="utf-8") == real.read_text(encoding="utf-8")


def test_the_real_document_holds_each_marker_once():
    text = (Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    found = re.findall(r"<!-- [a-z]+(?::\d+)?:(?:begin|end) -->", text)

    assert found and len(found) == len(set(found))
