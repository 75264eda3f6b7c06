"""Names that look like something else: refused for actors and sources (docs/security.md).

Two tricks make a name display as another: characters that reorder or hide text (a right-to-left
override shows "Army\u202eyrotcaF" as "ArmyFactory"; a zero-width space splits a name invisibly), and
letters of one script standing in for another's look-alikes ("Isl\u0430mic State" with a Cyrillic "а"
is a different actor that reads as Islamic State). Names in one script — Arabic, Cyrillic, Latin
with accents — and the joiners Persian and Indic scripts need (ZWNJ, ZWJ) are fine.
"""

from __future__ import annotations

import unicodedata

NUL = "\x00"
# Bidirectional embeddings, overrides and isolates; invisible spaces and joiners with no use in a name.
HIDDEN = {
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
    "\u200b": "ZERO WIDTH SPACE",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
}
# Scripts whose letters are each other's look-alikes (a, а, α; o, о, ο; p, р, ρ …).
CONFUSABLE_SCRIPTS = {"LATIN", "CYRILLIC", "GREEK"}


def _script(char: str) -> str | None:
    name = unicodedata.name(char, "")
    script = name.split(" ", 1)[0]
    return script if script in CONFUSABLE_SCRIPTS else None


def name_problem(text: str) -> str | None:
    """Why `text` cannot be a name, or None: NUL, hidden or direction-changing characters, or a word
    mixing Latin, Cyrillic and Greek letters."""
    if NUL in text:
        return "Contains a NUL character."
    hidden = sorted({HIDDEN[char] for char in text if char in HIDDEN})
    if hidden:
        return f"Contains invisible or direction-changing characters ({', '.join(hidden)})."
    for word in text.split():
        scripts = {_script(char) for char in word if char.isalpha()} - {None}
        if len(scripts) > 1:
            mixed = " and ".join(sorted(script.title() for script in scripts))
            return f"The word {word!r} mixes {mixed} letters, which look alike; type it in one script."
    return None
