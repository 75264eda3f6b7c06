"""The generated sections of docs/benchmarks.md: one per kind of run and size of database.

`make bench` and `make loadtest` each rewrite the text between their markers and leave the
hand-written rest alone. A run against the reference size (a million events) owns the plain
markers, `<!-- bench:begin -->` … `<!-- bench:end -->`; a run at another size owns markers keyed
by its size, `<!-- bench:3000000:begin -->`, so a 3M or a quick 100k run never overwrites the
million-event record. The size is the event count rounded to two significant figures, so a
database that gained a few events keeps its block.
"""

from __future__ import annotations

from pathlib import Path

REFERENCE_EVENTS = 1_000_000


def size_key(events: int) -> int:
    """The event count rounded to two significant figures: 1,000,012 → 1,000,000; 100,244 → 100,000."""
    if events < 100:
        return events
    return round(events, 2 - len(str(events)))


def markers(kind: str, events: int) -> tuple[str, str]:
    """The begin and end markers of `kind`'s section for a database of `events` events."""
    size = size_key(events)
    name = kind if size == REFERENCE_EVENTS else f"{kind}:{size}"
    return f"<!-- {name}:begin -->", f"<!-- {name}:end -->"


def write_section(path: Path, *, kind: str, events: int, text: str) -> None:
    """Put `text` between `kind`'s markers for this size, replacing what was there.

    The first run at a new size adds its markers right after the reference size's section (or at
    the end of the file when that is missing too).
    """
    begin, end = markers(kind, events)
    body = text.strip("\n")
    block = f"{begin}\n{body}\n{end}" if body else f"{begin}\n{end}"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        updated = head + block + rest.split(end, 1)[1]
    else:
        reference_end = markers(kind, REFERENCE_EVENTS)[1]
        if reference_end in current:
            head, tail = current.split(reference_end, 1)
            updated = head + reference_end + "\n\n" + block + tail
        else:
            updated = current.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(updated, encoding="utf-8")
