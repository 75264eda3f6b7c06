"""Merging duplicate reference rows (actors, places): all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

Row = TypeVar("Row")


def merge_into(
    survivor: Row,
    others: Sequence[Row],
    *,
    problems: Callable[..., list[str]],
    merge_one: Callable[[Row, Row, object], None],
    by=None,
) -> Row:
    """Merge each of `others` into `survivor` in one transaction, or refuse (nothing written) with
    every reason `problems(survivor=…, other=…)` gives for any of them."""
    found = [problem for other in others for problem in problems(survivor=survivor, other=other)]
    if found:
        raise ValidationError(found)
    with transaction.atomic():
        for other in others:
            merge_one(survivor, other, by)
    return survivor


def merged_aliases(survivor_aliases: list[str], names: list[str], own_name: str) -> str:
    """The survivor's aliases with the merged names added once each (never its own name)."""
    aliases = list(survivor_aliases)
    seen = {alias.casefold() for alias in aliases} | {own_name.casefold()}
    for name in names:
        if name and name.casefold() not in seen:
            aliases.append(name)
            seen.add(name.casefold())
    return "\n".join(aliases)
