"""Exceptions of the domain that every surface (admin, API, commands) turns into its own answer."""

from __future__ import annotations


class StaleVersionError(Exception):
    """Someone else saved the event since this copy was loaded; nothing was written."""

    def __init__(self, *, event_id: str, expected: int, current: int) -> None:
        self.event_id, self.expected, self.current = event_id, expected, current
        super().__init__(
            f"Event {event_id} was changed by someone else while you were editing it "
            f"(your copy is version {expected}, the saved one is version {current}). "
            "Reload it, re-apply your changes and save again; nothing was overwritten."
        )
