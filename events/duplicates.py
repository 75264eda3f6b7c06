"""Likely duplicate events: scored pairs, computed when asked, and "not a duplicate" decisions.

Two events are compared when their periods overlap (the days each may have happened on, by its
time precision: Event.period_start..period_end). Points, declared once here:

    same event type                                30
    overlapping periods                            25
    same place, or one place under the other       20
      else places within a 10 km box               10
    each shared actor                              15
    equal fatalities                               10

A pair scoring DUPLICATE_THRESHOLD or more is a candidate. Nothing is stored: the save path,
the API's /duplicates/ endpoint, the admin queue and imports run one SQL statement over indexed
columns, starting from the places (_pairs_sql; docs/curation.md, "Speed").

Overlapping periods and nearby places (the same place, one under the other, or the 10 km box)
are the search window, not only reasons: the same type, place and actor a year apart is a
pattern, and the same type on the same day with no fatalities on another continent would score
65 without a word about the place. Events lasting more than a month (an end_date) are compared
with those dated within a month of them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from core.sql import ARRAY_SEPARATOR, ids_in
from core.vocab import Status
from events.models import DuplicateDecision, Event

SCORE_TYPE = 30
SCORE_PERIOD = 25
SCORE_PLACE = 20
SCORE_NEAR = 10
SCORE_ACTOR = 15
SCORE_FATALITIES = 10
DUPLICATE_THRESHOLD = 60
NEAR_KM = 10
WINDOW_DAYS = 31  # a month-precision period is at most 31 days long
_KM_PER_DEGREE = 111.32
_COMPARED_STATUSES = (Status.DRAFT, Status.REVIEWED, Status.PUBLISHED)


@dataclass(frozen=True)
class Candidate:
    """Another event that may describe the same incident, with its score and the reasons."""

    pk: int
    event_id: str
    event_date: dt.date
    event_type: str
    sub_event_type: str
    status: str
    fatalities: int
    place_name: str
    score: int
    reasons: tuple[str, ...]
    key: str  # its decision_key when compared

    def describe(self) -> str:
        return f"{self.event_id} (score {self.score}: {', '.join(self.reasons)})"


def decision_key(*, event_date, time_precision, end_date, place_id, event_type) -> str:
    """What a "not a duplicate" decision depends on: the event's date, place and type."""
    return f"{event_date}|{time_precision}|{end_date or ''}|{place_id}|{event_type}"


def event_decision_key(event: Event) -> str:
    return decision_key(
        event_date=event.event_date,
        time_precision=event.time_precision,
        end_date=event.end_date,
        place_id=event.place_id,
        event_type=event.event_type,
    )


# ---------------------------------------------------------------------------------------------
# The pairs query


def _date_shift(column: str, days: int) -> str:
    if connection.vendor == "postgresql":
        return f"({column} + {days})"
    return f"date({column}, '{days:+d} days')"


def _name_list(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"string_agg({expression}, E'\\x1f')"
    return f"group_concat({expression}, char(31))"


_EVENT_COLUMNS = ", ".join(
    ["id", "event_id", "event_date", "time_precision", "end_date", "place_id"]
    + ["event_type", "sub_event_type", "status", "fatalities"]
)


def _lookup(table: str, columns: str, alias: str, key: str) -> str:
    """Join one row by primary key. On PostgreSQL a lateral lookup per row: left to itself, the
    planner misjudges how few rows reach it and reads and hashes the whole table."""
    if connection.vendor == "postgresql":
        return f"CROSS JOIN LATERAL (SELECT {columns} FROM {table} WHERE id = {key} LIMIT 1) {alias}"
    return f"JOIN {table} {alias} ON {alias}.id = {key}"


def _pairs_sql(a_where: str) -> str:
    """Pairs (a, b): a among the events `a_where` selects (alias e), b any other non-retracted
    event whose period overlaps a's at a nearby place, scoring at least the threshold; flags,
    not the score, come back.

    The places come first: for each place of a (once, however many of a's events are there),
    the places near it (`near`); then each event's window reads only the events at those
    places, from event_place_date_idx (place, event_date, with the period). Reading
    every event of a's days first and then each one's place, as this query did before, cost
    about 20 ms an event at a million events (1,500 window rows, each with a place lookup): an
    import of 100,000 rows spent 35 minutes in its likely-duplicate report.
    """
    statuses = ", ".join(f"'{status}'" for status in _COMPARED_STATUSES)
    near_degrees = NEAR_KM / _KM_PER_DEGREE
    score = (
        f"{SCORE_PERIOD} + {SCORE_TYPE} * same_type + {SCORE_ACTOR} * shared + "
        f"{SCORE_FATALITIES} * same_fatalities + CASE place_match WHEN 'near' THEN {SCORE_NEAR} "
        f"ELSE {SCORE_PLACE} END"
    )
    postgresql = connection.vendor == "postgresql"
    materialized = "MATERIALIZED" if postgresql else ""
    # The pairs that score enough, kept apart from the lookup of b's row (OFFSET 0): its type and
    # fatalities come with the window from event_place_date_idx, so only the pairs reported
    # (a third of those compared, in an import into a million events) read b's row.
    keep_apart = "OFFSET 0" if postgresql else ""
    place_match = f"""CASE WHEN bp.id = ap.place_id THEN 'same'
                    WHEN ap.place_path LIKE bp.path || '%%' THEN 'above'
                    WHEN bp.path LIKE ap.place_path || '%%' THEN 'below'
                    WHEN ap.latitude IS NOT NULL AND bp.latitude IS NOT NULL
                         AND ap.longitude IS NOT NULL AND bp.longitude IS NOT NULL
                         AND ABS(bp.latitude - ap.latitude) <= {near_degrees!r}
                         AND ABS(bp.longitude - ap.longitude) * COS(RADIANS(ap.latitude)) <= {near_degrees!r}
                    THEN 'near' ELSE '' END"""
    if postgresql:
        # Each kind of nearness through its own index: the places on a's path (a's place and
        # those above it), the path's prefix range (below; varchar_pattern_ops compares bytes,
        # and '~' sorts after the digits and '/' a path is made of), a band of latitude
        # (place_latitude_idx; widened a little so that rounding never loses an edge case, which
        # the CASE then decides).
        columns = "id, name, path, latitude, longitude"
        band = near_degrees * 1.001
        candidates = f"""CROSS JOIN LATERAL (
            SELECT {columns} FROM places_place
             WHERE id = ap.place_id
                OR id = ANY(string_to_array(btrim(ap.place_path, '/'), '/')::bigint[])
            UNION
            SELECT {columns} FROM places_place
             WHERE path ~>=~ ap.place_path AND path ~<~ (ap.place_path || '~')
            UNION
            SELECT {columns} FROM places_place
             WHERE latitude BETWEEN ap.latitude - {band!r} AND ap.latitude + {band!r}
        ) bp"""
        # A lookup per (event, place) pair (OFFSET 0 keeps it one): joined as a whole, the
        # planner may hash every event of the places instead.
        join_window = (
            "CROSS JOIN LATERAL (SELECT w.id, w.event_type, w.fatalities FROM events_event w "
            "WHERE {conditions} OFFSET 0) w"
        )
    else:
        candidates = "JOIN places_place bp ON TRUE"
        join_window = "JOIN events_event w ON {conditions}"
    # An overlapping period: one-day events (most) on a's own days, wider ones (week, month, an
    # end date) dated within a month of a's period.
    conditions = (
        f"w.place_id = near.b_place AND w.status IN ({statuses}) "
        f"AND w.event_date BETWEEN {_date_shift('a.period_start', -WINDOW_DAYS)} "
        f"AND {_date_shift('a.period_end', WINDOW_DAYS)} "
        "AND w.period_start <= a.period_end AND w.period_end >= a.period_start AND w.id <> a.id"
    )
    return f"""
WITH a AS {materialized} (
    SELECT e.id, e.event_id, e.event_type, e.place_id, e.period_start, e.period_end, e.fatalities
      FROM events_event e
     WHERE {a_where}
),
near AS {materialized} (
    SELECT * FROM (
        SELECT ap.place_id AS a_place, bp.id AS b_place, bp.name AS place_name,
               {place_match} AS place_match
          FROM (SELECT DISTINCT a.place_id, p.path AS place_path, p.latitude, p.longitude
                  FROM a JOIN places_place p ON p.id = a.place_id) ap
          {candidates}
    ) near_places
    WHERE place_match <> ''
),
nearby AS {materialized} (
    SELECT a.id AS a_id, a.event_id AS a_event_id, w.id AS b_id, near.place_name, near.place_match,
           CASE WHEN w.event_type = a.event_type THEN 1 ELSE 0 END AS same_type,
           CASE WHEN w.fatalities = a.fatalities THEN 1 ELSE 0 END AS same_fatalities
      FROM a
      JOIN near ON near.a_place = a.place_id
      {join_window.format(conditions=conditions)}
)
SELECT pairs.*, b.event_id, b.event_date, b.time_precision, b.end_date, b.place_id,
       b.event_type, b.sub_event_type, b.status, b.fatalities, (
    SELECT {_name_list("act.name")} FROM events_eventactor eb
    JOIN actors_actor act ON act.id = eb.actor_id
    WHERE eb.event_id = pairs.b_id
      AND eb.actor_id IN (SELECT ea.actor_id FROM events_eventactor ea WHERE ea.event_id = pairs.a_id)
) AS shared_names
FROM (
    SELECT * FROM (
        SELECT nearby.*,
               (SELECT COUNT(DISTINCT eb.actor_id) FROM events_eventactor eb
                 WHERE eb.event_id = nearby.b_id
                   AND eb.actor_id IN (
                       SELECT ea.actor_id FROM events_eventactor ea WHERE ea.event_id = nearby.a_id)
               ) AS shared
          FROM nearby
    ) scored
    WHERE {score} >= {DUPLICATE_THRESHOLD}
    {keep_apart}
) pairs
{_lookup("events_event", _EVENT_COLUMNS, "b", "pairs.b_id")}
"""


_PLACE_REASONS = {
    "same": ("same place", SCORE_PLACE),
    "above": ("place encloses this event's", SCORE_PLACE),
    "below": ("place lies within this event's", SCORE_PLACE),
    "near": (f"within {NEAR_KM} km", SCORE_NEAR),
}


def _candidate(row: dict) -> Candidate:
    """Score a row of the pairs query and say why."""
    score, reasons = SCORE_PERIOD, []
    if row["same_type"]:
        score += SCORE_TYPE
        reasons.append("same event type")
    reasons.append("overlapping dates")
    if row["place_match"]:
        reason, points = _PLACE_REASONS[row["place_match"]]
        score += points
        reasons.append(reason)
    names = sorted(set((row["shared_names"] or "").split(ARRAY_SEPARATOR)) - {""})
    score += SCORE_ACTOR * row["shared"]
    reasons += [f"shared actor {name}" for name in names]
    if row["same_fatalities"]:
        score += SCORE_FATALITIES
        reasons.append(f"same fatalities ({row['fatalities']})")
    event_date = row["event_date"]
    if isinstance(event_date, str):  # SQLite
        event_date = dt.date.fromisoformat(event_date)
    return Candidate(
        pk=row["b_id"],
        event_id=row["event_id"],
        event_date=event_date,
        event_type=row["event_type"],
        sub_event_type=row["sub_event_type"],
        status=row["status"],
        fatalities=row["fatalities"],
        place_name=row["place_name"],
        score=score,
        reasons=tuple(reasons),
        key=decision_key(
            event_date=event_date,
            time_precision=row["time_precision"],
            end_date=row["end_date"],
            place_id=row["place_id"],
            event_type=row["event_type"],
        ),
    )


def _rows(a_where: str, params: list, *, many: bool = False) -> list[dict]:
    """The pairs query's rows as dicts. `many`: for many events at once, whose estimated cost
    sets off PostgreSQL's JIT compiler (1.6 s of compiling for a 20 ms query): off for it."""
    jit_off = many and connection.vendor == "postgresql"
    with transaction.atomic() if jit_off else contextlib.nullcontext(), connection.cursor() as cursor:
        if jit_off:
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(_pairs_sql(a_where), params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _run(a_where: str, params: list, *, many: bool = False) -> list[tuple[int, Candidate]]:
    pairs = [(row["a_id"], _candidate(row)) for row in _rows(a_where, params, many=many)]
    return sorted(pairs, key=lambda pair: (pair[0], -pair[1].score, pair[1].event_date, pair[1].pk))


def duplicate_candidates(*, event: Event) -> list[Candidate]:
    """Other events that may be this one, best first (one SQL statement)."""
    if event.pk is None:
        return []
    return [candidate for _, candidate in _run("e.id = %s", [event.pk])]


def duplicate_candidates_of(*, event_pks: Iterable[int]) -> dict[int, list[Candidate]]:
    """Candidates for each of many events (an import batch, a queue page), one SQL statement."""
    pks = sorted(set(event_pks))
    found: dict[int, list[Candidate]] = {}
    if not pks:
        return found
    where, params = ids_in("e.id", pks)
    for a_pk, candidate in _run(where, params, many=True):
        found.setdefault(a_pk, []).append(candidate)
    return found


def import_duplicates_report(*, batch_id: int, lines: dict[str, int]) -> list[dict]:
    """For each event an import batch wrote (created or changed), the events it may duplicate:
    one set-based statement, reported per row ({row, event_id, note}) and never refused.

    `lines` maps the file's event ids to their line numbers.
    """
    found: dict[str, list[Candidate]] = {}
    for row in _rows("e.import_batch_id = %s", [batch_id], many=True):
        found.setdefault(row["a_event_id"], []).append(_candidate(row))
    report = []
    for event_id, candidates in found.items():
        candidates.sort(key=lambda c: (-c.score, c.event_date, c.pk))
        listed = "; ".join(candidate.describe() for candidate in candidates)
        report.append(
            {"row": lines.get(event_id, 0), "event_id": event_id, "note": f"likely duplicate of {listed}"}
        )
    return sorted(report, key=lambda entry: (entry["row"], entry["event_id"]))


# ---------------------------------------------------------------------------------------------
# Decisions and the review gate


def _ordered(pk_1: int, pk_2: int) -> tuple[int, int]:
    return (pk_1, pk_2) if pk_1 < pk_2 else (pk_2, pk_1)


def _standing_decisions(event: Event, candidates: list[Candidate]) -> set[int]:
    """The candidates a standing "not a duplicate" decision covers; decisions taken before either
    event's date, place or type changed are dropped here."""
    if not candidates:
        return set()
    by_pk = {candidate.pk: candidate for candidate in candidates}
    own_key = event_decision_key(event)
    decisions = DuplicateDecision.objects.filter(event_a=event, event_b__in=list(by_pk)) | (
        DuplicateDecision.objects.filter(event_b=event, event_a__in=list(by_pk))
    )
    standing, stale = set(), []
    for decision in decisions:
        other = decision.event_b_id if decision.event_a_id == event.pk else decision.event_a_id
        keys = (own_key, by_pk[other].key) if decision.event_a_id == event.pk else (by_pk[other].key, own_key)
        if (decision.a_key, decision.b_key) == keys:
            standing.add(other)
        else:
            stale.append(decision.pk)
    if stale:
        DuplicateDecision.objects.filter(pk__in=stale).delete()
    return standing


def undecided_candidates(*, event: Event) -> list[Candidate]:
    """Candidates nobody has confirmed are not duplicates of this event."""
    candidates = duplicate_candidates(event=event)
    standing = _standing_decisions(event, candidates)
    return [candidate for candidate in candidates if candidate.pk not in standing]


def candidates_with_decisions(*, event: Event) -> list[tuple[Candidate, bool]]:
    """Every candidate, and whether a standing decision says it is not a duplicate."""
    candidates = duplicate_candidates(event=event)
    standing = _standing_decisions(event, candidates)
    return [(candidate, candidate.pk in standing) for candidate in candidates]


def duplicate_decide(*, event: Event, other: Event, by) -> DuplicateDecision:
    """Record that two events are not duplicates (replacing an earlier decision on the pair)."""
    if event.pk == other.pk:
        raise ValidationError("An event cannot be compared with itself.")
    first, second = (event, other) if event.pk < other.pk else (other, event)
    decision, _ = DuplicateDecision.objects.update_or_create(
        event_a=first,
        event_b=second,
        defaults={
            "a_key": event_decision_key(first),
            "b_key": event_decision_key(second),
            "decided_by": by,
        },
    )
    return decision


class PossibleDuplicates(ValidationError):
    """Marking reviewed or publishing waits until the candidates are merged or declared distinct."""

    def __init__(self, event: Event, candidates: list[Candidate]) -> None:
        self.candidates = candidates
        listed = "; ".join(candidate.describe() for candidate in candidates)
        super().__init__(
            f"{event.event_id} may duplicate {listed}. Merge them, or confirm that "
            f"{'it is' if len(candidates) == 1 else 'they are'} not a duplicate "
            "(confirm_not_duplicate), before marking it reviewed or publishing it.",
            code="possible_duplicates",
        )


def duplicates_check(*, event: Event, by, confirm_not_duplicate: bool = False) -> None:
    """The review gate: refuse while undecided candidates remain, unless the caller confirms
    they are not duplicates, which is recorded per pair (and not asked again).

    Interactive mark-reviewed and publish call this; imports do not (they report candidates).
    """
    candidates = undecided_candidates(event=event)
    if not candidates:
        return
    if not confirm_not_duplicate:
        raise PossibleDuplicates(event, candidates)
    others = Event.objects.in_bulk([candidate.pk for candidate in candidates])
    with transaction.atomic():
        for other in others.values():
            duplicate_decide(event=event, other=other, by=by)


# ---------------------------------------------------------------------------------------------
# The queue


@dataclass(frozen=True)
class Pair:
    event: Event
    other: Event
    candidate: Candidate


QUEUE_RECENT_EVENTS = 500


def duplicate_queue(*, recent: int = QUEUE_RECENT_EVENTS) -> list[Pair]:
    """Undecided candidate pairs among the `recent` most recently changed non-retracted events
    (and any event they may duplicate), best first, each pair once."""
    recent_pks = list(
        Event.objects.exclude(status=Status.RETRACTED)
        .order_by("-updated_at", "-id")
        .values_list("pk", flat=True)[:recent]
    )
    found = duplicate_candidates_of(event_pks=recent_pks)
    seen, pairs = set(), []
    for a_pk, candidates in found.items():
        for candidate in candidates:
            pair = _ordered(a_pk, candidate.pk)
            if pair not in seen:
                seen.add(pair)
                pairs.append((a_pk, candidate))
    events = Event.objects.select_related("place").in_bulk(
        {pk for a_pk, candidate in pairs for pk in (a_pk, candidate.pk)}
    )
    decided = _decided_pairs([(events[a], events[c.pk], c) for a, c in pairs])
    result = [
        Pair(event=events[a_pk], other=events[candidate.pk], candidate=candidate)
        for a_pk, candidate in pairs
        if _ordered(a_pk, candidate.pk) not in decided
    ]
    return sorted(result, key=lambda p: (-p.candidate.score, -p.event.pk, p.other.pk))


def _decided_pairs(pairs: list[tuple[Event, Event, Candidate]]) -> set[tuple[int, int]]:
    """The pairs a standing decision covers (stale ones are left for the gate to drop)."""
    if not pairs:
        return set()
    keys = {}
    for event, other, _ in pairs:
        first, second = (event, other) if event.pk < other.pk else (other, event)
        keys[(first.pk, second.pk)] = (event_decision_key(first), event_decision_key(second))
    a_pks = {a for a, _ in keys}
    decided = set()
    for a, b, a_key, b_key in DuplicateDecision.objects.filter(event_a__in=a_pks).values_list(
        "event_a", "event_b", "a_key", "b_key"
    ):
        if keys.get((a, b)) == (a_key, b_key):
            decided.add((a, b))
    return decided
