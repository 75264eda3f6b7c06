"""ACLED's query language, translated into Django lookups.

ACLED's API guide: every column is a filter (`?country=Syria`); `<name>_where` picks the operator
(`=`, `LIKE`, `>`, `<`, `>=`, `<=`, `BETWEEN`), each filter having its own default; `a|b` in a
value means "a or b" (for BETWEEN: "from a to b"); `name=a:OR:other=b` ORs two filters; `fields`,
`limit` (0 = every row), `page`, `_format` and `inter_num` shape the answer; other parameters
(`export_type`, `terms`, …) are ignored.

A filter value becomes a `Condition`, which turns into a `Q` on any ORM path (`cond.q("place__name")`)
or tests a Python value (`cond.matches("Syria")`) for the small tables that are aggregated first.
Every bad value raises `QueryError` naming the parameter.

LIKE values are `LikePattern`s: SQL `ILIKE` with every character but `%` escaped, and in Python one
linear matcher (split at `%`, then `str.find`), never a regular expression. A request's cost is
capped (docs/security.md, "Limits"): MAX_WILDCARDS per value, MAX_IN_VALUES per `=` list,
MAX_COSTLY_ALTERNATIVES patterns and subqueries per request.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Q
from django.db.models.functions import Upper
from django.db.models.lookups import In
from django.http import QueryDict

from core.bounds import MAX_INT
from core.countries import COUNTRIES, lookup_country
from core.sql import Like, like_escape
from core.vocab import ActorRole, parse_inter
from events.acled import ACLED_CIVILIAN_TARGETING
from events.models import Citation, EventActor

TEXT, INT, FLOAT, DATE, TIMESTAMP = "text", "integer", "number", "date", "timestamp"
EQ, LIKE, BETWEEN = "=", "LIKE", "BETWEEN"
OPERATORS = (EQ, LIKE, ">", "<", ">=", "<=", BETWEEN)
_COMPARISONS = {">": "gt", "<": "lt", ">=": "gte", "<=": "lte"}

DEFAULT_LIMIT = 5000  # ACLED's default page size
MAX_NUMBER = 10**9  # limit and page beyond this are refused rather than overflowing an OFFSET
MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z
COORDINATE_TOLERANCE = 0.00005  # ACLED writes four decimals: latitude=36.2 matches 36.19995–36.20005
OR_SEPARATOR = ":OR:"
FORMATS = ("json", "csv", "txt")

# What one request may ask (docs/security.md, "Limits"). acledR 1.x sends a call's countries as
# ~240 `country=…:OR:country=…` branches: one IN list, well within MAX_IN_VALUES.
MAX_WILDCARDS = 10  # `%` per LIKE value, after runs of `%` collapse to one
MAX_IN_VALUES = 500  # values of one column's `=` alternatives (one IN list)
MAX_COSTLY_ALTERNATIVES = 50  # LIKE patterns and subqueries (actor, source, inter) per request

# Parameters that shape the answer or authenticate; everything else that is not a filter is ignored.
RESERVED = frozenset({"key", "email", "fields", "limit", "page", "_format", "with_total", "inter_num"})


class QueryError(Exception):
    """A parameter ACLED's conventions cannot make sense of (400)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter, self.message = parameter, message


# ---------------------------------------------------------------------------------------------
# Values


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_integer(text: str, *, parameter: str, low: int = -MAX_INT, high: int = MAX_INT) -> int:
    if not _INTEGER.match(text):
        raise QueryError(parameter, f"expected a whole number, got {text!r}.")
    number = int(text)
    if not low <= number <= high:
        raise QueryError(parameter, f"{number} is out of range ({low} to {high}).")
    return number


def parse_date(text: str, *, parameter: str) -> dt.date:
    try:
        if not _DATE.match(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise QueryError(parameter, f"expected a date as YYYY-MM-DD, got {text!r}.") from None


def _parse_value(kind: str, text: str, parameter: str) -> Any:
    if kind == TEXT:
        return text
    if kind == INT:
        return parse_integer(text, parameter=parameter)
    if kind == FLOAT:
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or abs(number) > MAX_INT:
            raise QueryError(parameter, f"expected a number such as 36.2017, got {text!r}.")
        return number
    if kind == DATE:
        return parse_date(text, parameter=parameter)
    # TIMESTAMP: Unix seconds, or a date meaning its midnight (UTC), as ACLED accepts both.
    if _DATE.match(text):
        day = parse_date(text, parameter=parameter)
        return int(dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC).timestamp())
    return parse_unix_seconds(text, parameter=parameter)


def parse_unix_seconds(text: str, *, parameter: str) -> int:
    """Unix seconds in any numeric form of a whole number: `1700000000`, `1.7e+09` (what R writes
    for a large number), `1700000000.0`; `1.5` is refused."""
    # R pastes `1.7e+09` into the URL unencoded, and a query string's `+` arrives as a space.
    text = text.replace(" ", "+")
    if not _DECIMAL.fullmatch(text):
        raise QueryError(parameter, f"expected Unix seconds or a date as YYYY-MM-DD, got {text!r}.")
    seconds = Decimal(text)  # exact: 1.7e+09 is 1700000000, with no float rounding
    if not 0 <= seconds <= MAX_TIMESTAMP:
        raise QueryError(parameter, f"{text} is out of range (0 to {MAX_TIMESTAMP} Unix seconds).")
    if seconds != seconds.to_integral_value():
        raise QueryError(parameter, f"{text} is not a whole number of seconds.")
    return int(seconds)


def _inter_value(text: str, parameter: str) -> int:
    """An inter code as a number (1–8, 0 for "no such actor") or ACLED's label ("State forces")."""
    if text.strip() == "0":
        return 0
    try:
        return parse_inter(text)
    except (ValueError, OverflowError) as exc:
        raise QueryError(parameter, f"{exc}; use 1–8 or a label such as 'State forces'.") from None


@dataclass(frozen=True)
class LikePattern:
    """A LIKE value: without `%`, the value anywhere in the text; with `%`, the whole text as
    written, each `%` standing for any run of characters. Every other character (`_` included) is
    itself; case is ignored.

    `parts` are the literal pieces between wildcards (one piece: a substring match). The SQL and
    the Python matcher read the same parts, so they agree (tests/acled_api/test_acled_limits.py).
    """

    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str, *, parameter: str) -> LikePattern:
        pieces = text.split("%")
        if len(pieces) == 1:
            return cls((text,))
        # Runs of `%` collapse to one: the empty pieces between them go (not the first or last,
        # which say whether the pattern is anchored at that end).
        parts = (pieces[0], *(piece for piece in pieces[1:-1] if piece), pieces[-1])
        if len(parts) - 1 > MAX_WILDCARDS:
            raise QueryError(
                parameter,
                f"{len(parts) - 1} wildcards (%) in one value; at most {MAX_WILDCARDS} are allowed.",
            )
        return cls(parts)

    @property
    def sql(self) -> str:
        """The pattern for SQL LIKE/ILIKE (escaped with core.sql.like_escape)."""
        if len(self.parts) == 1:
            return f"%{like_escape(self.parts[0])}%"
        return "%".join(like_escape(part) for part in self.parts)

    def matches(self, text: str) -> bool:
        """Whether `text` matches, ignoring case: one left-to-right pass of str.find per part."""
        text = text.casefold()
        parts = [part.casefold() for part in self.parts]
        if len(parts) == 1:
            return parts[0] in text
        first, *middle, last = parts
        if not text.startswith(first):
            return False
        position = len(first)
        for part in middle:
            found = text.find(part, position)
            if found < 0:
                return False
            position = found + len(part)
        return len(text) - position >= len(last) and text.endswith(last)


# ---------------------------------------------------------------------------------------------
# Conditions


@dataclass(frozen=True)
class Condition:
    """One filter: parameter, operator and parsed values (OR-ed; BETWEEN takes exactly two)."""

    parameter: str
    kind: str
    op: str
    values: tuple

    def q(self, path: str) -> Q:
        """The condition on an ORM path: `cond.q("place__admin1")`."""
        if self.op == BETWEEN:
            return self._between(path, *self.values)
        if self.op == EQ and self.kind in (TEXT, INT, DATE) and len(self.values) > 1:
            return self._in(path)
        result = Q()
        for value in self.values:
            result |= self._one(path, value)
        return result

    def _in(self, path: str) -> Q:
        """`=` alternatives as one IN list (text compared without regard to case)."""
        if self.kind == TEXT:
            return Q(In(Upper(F(path)), sorted({value.upper() for value in self.values})))
        return Q(**{f"{path}__in": self.values})

    def _one(self, path: str, value) -> Q:
        if self.kind == TIMESTAMP:
            return self._timestamp(path, value)
        if self.op == LIKE:
            return Q(Like(F(path), value.sql))
        if self.op == EQ:
            if self.kind == TEXT:
                return Q(**{f"{path}__iexact": value})
            if self.kind == FLOAT:
                return self._between(path, value - COORDINATE_TOLERANCE, value + COORDINATE_TOLERANCE)
            return Q(**{path: value})
        return Q(**{f"{path}__{_COMPARISONS[self.op]}": value})

    def _between(self, path: str, low, high) -> Q:
        if self.kind == TIMESTAMP:
            return Q(**{f"{path}__gte": _instant(low), f"{path}__lt": _instant(high + 1)})
        return Q(**{f"{path}__gte": low, f"{path}__lte": high})

    def _timestamp(self, path: str, seconds: int) -> Q:
        # Whole seconds, as ACLED writes them: "= t" is the second t, "> t" starts at t + 1.
        if self.op == EQ:
            return self._between(path, seconds, seconds)
        if self.op in (">", "<="):
            seconds += 1
        lookup = {">": "gte", ">=": "gte", "<": "lt", "<=": "lt"}[self.op]
        return Q(**{f"{path}__{lookup}": _instant(seconds)})

    def matches(self, value) -> bool:
        """Whether a Python value (of this condition's kind) satisfies the condition."""
        if value is None:
            return False
        if self.op == BETWEEN:
            low, high = self.values
            return self._key(low) <= self._key(value) <= self._key(high)
        return any(self._matches_one(value, wanted) for wanted in self.values)

    def _key(self, value):
        return value.casefold() if self.kind == TEXT else value

    def _matches_one(self, value, wanted) -> bool:
        if self.op == LIKE:
            return wanted.matches(value)
        if self.op == EQ and self.kind == FLOAT:
            return abs(value - wanted) <= COORDINATE_TOLERANCE
        value, wanted = self._key(value), self._key(wanted)
        return {
            EQ: value == wanted,
            ">": value > wanted,
            "<": value < wanted,
            ">=": value >= wanted,
            "<=": value <= wanted,
        }[self.op]


def _instant(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(min(seconds, MAX_TIMESTAMP), tz=dt.UTC)


@dataclass(frozen=True)
class Filter:
    """One ACLED filter: its value kind, its default operator (the API guide's), its lookup."""

    name: str
    kind: str
    default_op: str
    to_q: Callable[[Condition], Q] | None = None
    parse: Callable[[str, str], Any] | None = field(default=None, compare=False)
    subquery: bool = False  # each condition costs a subquery (actors, sources, inter codes)

    def condition(self, raw: str, where: str | None) -> Condition:
        op = self._operator(where)
        texts = [part.strip() for part in raw.split("|")]
        if any(not text for text in texts):
            raise QueryError(self.name, f"an empty value in {raw!r}; separate alternatives with '|'.")
        parse = self.parse or (lambda text, parameter: _parse_value(self.kind, text, parameter))
        values = tuple(parse(text, self.name) for text in texts)
        if op == LIKE:
            values = tuple(LikePattern.parse(value, parameter=self.name) for value in values)
        if op == BETWEEN:
            if len(values) != 2:
                raise QueryError(
                    self.name, f"BETWEEN takes two values separated by '|' (low|high), got {raw!r}."
                )
            if values[0] > values[1]:
                raise QueryError(self.name, f"BETWEEN {texts[0]}|{texts[1]}: the first value is the larger.")
        return Condition(self.name, self.kind, op, values)

    def _operator(self, where: str | None) -> str:
        if where is None or not where.strip():
            return self.default_op
        op = where.strip().upper()
        op = {"==": EQ, "=>": ">=", "=<": "<="}.get(op, op)
        if op not in OPERATORS:
            raise QueryError(
                f"{self.name}_where", f"unknown operator {where!r}; use one of {', '.join(OPERATORS)}."
            )
        if op == LIKE and self.kind != TEXT:
            raise QueryError(
                f"{self.name}_where",
                f"LIKE applies to text; {self.name} is a {self.kind} (use =, >, <, BETWEEN).",
            )
        return op

    def q(self, condition: Condition) -> Q:
        return self.to_q(condition) if self.to_q else condition.q(self.name)


def refuse_nul(params: QueryDict) -> None:
    """A NUL character cannot reach the database (PostgreSQL refuses it in any string)."""
    for name, values in params.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            raise QueryError(name.replace("\x00", "\\x00"), "contains a NUL character.")


def parse_filters(params: QueryDict, filters: dict[str, Filter]) -> list[list[Condition]]:
    """The conditions of a request: a list (AND) of alternatives (OR), each a Condition.

    `country=Syria` gives [[country = Syria]]; `actor1=Army:OR:actor2=Army` gives
    [[actor1 LIKE Army, actor2 LIKE Army]]; `country=Iraq:OR:country=Syria` gives
    [[country = Iraq|Syria]], one IN list. Empty values (`timestamp=`) are ignored, as ACLED does.
    The limits are checked here, each refusal naming the parameter that passed one.
    """
    groups = []
    costly = 0
    for name, raw in params.items():
        if name in RESERVED or name not in filters or not raw.strip():
            continue
        first, *others = raw.split(OR_SEPARATOR)
        group = [filters[name].condition(first, params.get(f"{name}_where"))]
        for other in others:
            other_name, equals, value = other.partition("=")
            other_name = other_name.strip()
            if not equals:
                other_name, value = name, other
            if other_name not in filters:
                raise QueryError(name, f"{OR_SEPARATOR} names an unknown filter {other_name!r}.")
            group.append(filters[other_name].condition(value, params.get(f"{other_name}_where")))
        group = _merged(group)
        for condition in group:
            if len(condition.values) > MAX_IN_VALUES:
                raise QueryError(
                    name,
                    f"{len(condition.values)} values for {condition.parameter}; "
                    f"at most {MAX_IN_VALUES} per request.",
                )
            costly += _cost(condition, filters[condition.parameter])
        if costly > MAX_COSTLY_ALTERNATIVES:
            raise QueryError(
                name,
                f"too many LIKE patterns and actor, source or inter alternatives ({costly}); "
                f"at most {MAX_COSTLY_ALTERNATIVES} per request.",
            )
        groups.append(group)
    return groups


def _merged(group: list[Condition]) -> list[Condition]:
    """The alternatives of one group with each (filter, operator) once: `country=A:OR:country=B`
    is `country = A|B` (distinct values, in order), which becomes one IN list."""
    merged: dict = {}
    for condition in group:
        if condition.op == BETWEEN:  # exactly two values: a range, never merged
            merged[id(condition)] = condition
            continue
        key = (condition.parameter, condition.op)
        values = merged[key].values + condition.values if key in merged else condition.values
        merged[key] = Condition(
            condition.parameter, condition.kind, condition.op, tuple(dict.fromkeys(values))
        )
    return list(merged.values())


def _cost(condition: Condition, filter_: Filter) -> int:
    """What a condition counts against MAX_COSTLY_ALTERNATIVES: each LIKE pattern, and each
    subquery (one for a filter's `=` list, one per pattern with LIKE)."""
    if condition.op == LIKE:
        return len(condition.values)
    return 1 if filter_.subquery else 0


def conditions_q(groups: list[list[Condition]], filters: dict[str, Filter]) -> Q:
    """The request's conditions as one Q (AND of ORs)."""
    result = Q()
    for group in groups:
        alternatives = Q()
        for condition in group:
            alternatives |= filters[condition.parameter].q(condition)
        result &= alternatives
    return result


def conditions_match(groups: list[list[Condition]], row: dict) -> bool:
    """Whether a row of Python values satisfies the request's conditions."""
    return all(
        any(condition.matches(row.get(condition.parameter)) for condition in group) for group in groups
    )


# ---------------------------------------------------------------------------------------------
# Shaping parameters


@dataclass(frozen=True)
class Paging:
    limit: int | None  # None: every row (limit=0)
    page: int

    @property
    def bounds(self) -> tuple[int, int | None]:
        if self.limit is None:
            return 0, None
        start = (self.page - 1) * self.limit
        return start, start + self.limit


def parse_paging(params: QueryDict) -> Paging:
    """`limit` (ACLED's default 5000; 0 for every row) and the 1-based `page`."""
    limit, page = (params.get(name, "").strip() for name in ("limit", "page"))
    if limit.startswith("-"):
        raise QueryError("limit", f"must be 0 (every row) or a positive whole number, got {limit!r}.")
    if page.startswith("-") or page == "0":
        raise QueryError("page", f"pages are numbered from 1, got {page!r}.")
    number = parse_integer(limit, parameter="limit", low=0, high=MAX_NUMBER) if limit else DEFAULT_LIMIT
    return Paging(
        limit=number or None,
        page=parse_integer(page, parameter="page", low=1, high=MAX_NUMBER) if page else 1,
    )


def parse_fields(params: QueryDict, columns: Iterable[str]) -> tuple[str, ...]:
    """`fields=a|b` (commas work too): the chosen columns in the order asked; all by default."""
    columns = tuple(columns)
    raw = params.get("fields", "").strip()
    if not raw:
        return columns
    names = list(dict.fromkeys(name.strip() for name in re.split(r"[|,]", raw) if name.strip()))
    unknown = [name for name in names if name not in columns]
    if unknown or not names:
        raise QueryError(
            "fields",
            f"unknown field {', '.join(map(repr, unknown or [raw]))}; choose from {'|'.join(columns)}.",
        )
    return tuple(names)


def parse_format(params: QueryDict, suffix: str = "") -> str:
    """`_format=json|csv|txt`, else the URL's suffix (`read.csv`), else JSON."""
    raw = (params.get("_format") or suffix.lstrip(".") or "json").strip().lower()
    if raw not in FORMATS:
        raise QueryError("_format", f"unsupported format {raw!r}; use json, csv or txt.")
    return raw


def parse_flag(params: QueryDict, name: str, *, default: bool = False) -> bool:
    raw = params.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise QueryError(name, f"expected true or false, got {raw!r}.")


# ---------------------------------------------------------------------------------------------
# The filters of each endpoint


def _events_with(model, condition_q: Q, **extra) -> Q:
    return Q(pk__in=model.objects.filter(condition_q, **extra).values("event_id"))


def _actor_role(role: str) -> Callable[[Condition], Q]:
    return lambda cond: _events_with(EventActor, cond.q("actor__name"), role=role)


def _inter_role(role: str) -> Callable[[Condition], Q]:
    def to_q(cond: Condition) -> Q:
        result = _events_with(EventActor, cond.q("inter"), role=role)
        if cond.matches(0):  # ACLED writes inter 0 where the event has no such actor
            result |= ~_events_with(EventActor, Q(), role=role)
        return result

    return to_q


def _countries_where(test: Callable[[Any], bool]) -> Q:
    return Q(place__country_code__in=[country.iso3 for country in COUNTRIES.values() if test(country)])


def _country(cond: Condition) -> Q:
    """`=` takes names and ISO codes, matched by code (indexed); LIKE and comparisons use names."""
    if cond.op != EQ:
        return cond.q("place__country_name")
    codes, names = [], []
    for value in cond.values:
        found = lookup_country(value)
        if found:
            codes.append(found.iso3)
        else:
            names.append(value)
    result = Q(place__country_code__in=sorted(set(codes))) if codes else Q()
    if names:
        result |= Condition(cond.parameter, cond.kind, cond.op, tuple(names)).q("place__country_name")
    return result


def _civilian_targeting(cond: Condition) -> Q:
    flags = [flag for flag, text in ((True, ACLED_CIVILIAN_TARGETING), (False, "")) if cond.matches(text)]
    return Q(civilian_targeting__in=flags)


def _filters(*filters: Filter) -> dict[str, Filter]:
    return {f.name: f for f in filters}


# /api/acled/read: operators as ACLED's API guide sets them (LIKE for the text it documents as LIKE).
EVENT_FILTERS = _filters(
    Filter("event_id_cnty", TEXT, LIKE, lambda c: c.q("event_id")),
    Filter("event_date", DATE, EQ),
    Filter("year", INT, EQ, lambda c: c.q("event_date__year")),
    Filter("time_precision", INT, EQ),
    Filter("disorder_type", TEXT, LIKE),
    Filter("event_type", TEXT, LIKE),
    Filter("sub_event_type", TEXT, LIKE),
    Filter("actor1", TEXT, LIKE, _actor_role(ActorRole.ACTOR1), subquery=True),
    Filter("assoc_actor_1", TEXT, LIKE, _actor_role(ActorRole.ASSOC_ACTOR_1), subquery=True),
    Filter("inter1", INT, EQ, _inter_role(ActorRole.ACTOR1), parse=_inter_value, subquery=True),
    Filter("actor2", TEXT, LIKE, _actor_role(ActorRole.ACTOR2), subquery=True),
    Filter("assoc_actor_2", TEXT, LIKE, _actor_role(ActorRole.ASSOC_ACTOR_2), subquery=True),
    Filter("inter2", INT, EQ, _inter_role(ActorRole.ACTOR2), parse=_inter_value, subquery=True),
    Filter("interaction", INT, EQ),
    Filter("civilian_targeting", TEXT, LIKE, _civilian_targeting),
    Filter("iso", INT, EQ, lambda c: _countries_where(lambda country: c.matches(country.numeric))),
    Filter("region", INT, EQ, lambda c: _countries_where(lambda country: c.matches(country.region_id))),
    Filter("country", TEXT, EQ, _country),
    Filter("admin1", TEXT, LIKE, lambda c: c.q("place__admin1")),
    Filter("admin2", TEXT, LIKE, lambda c: c.q("place__admin2")),
    Filter("admin3", TEXT, LIKE, lambda c: c.q("place__admin3")),
    Filter("location", TEXT, LIKE, lambda c: c.q("place__name")),
    Filter("latitude", FLOAT, EQ, lambda c: c.q("place__latitude")),
    Filter("longitude", FLOAT, EQ, lambda c: c.q("place__longitude")),
    Filter("geo_precision", INT, EQ),
    Filter("source", TEXT, LIKE, lambda c: _events_with(Citation, c.q("source__name")), subquery=True),
    Filter("source_scale", TEXT, LIKE),
    Filter("notes", TEXT, LIKE),
    Filter("fatalities", INT, EQ),
    Filter("tags", TEXT, LIKE),
    Filter("timestamp", TIMESTAMP, ">=", lambda c: c.q("updated_at")),
)

# /api/deleted/read
DELETED_FILTERS = _filters(
    Filter("event_id_cnty", TEXT, LIKE, lambda c: c.q("event_id")),
    Filter("deleted_timestamp", TIMESTAMP, ">=", lambda c: c.q("removed_at")),
)

# The summaries: first and last event dates match exactly by default, event counts are minimums.
_SUMMARY = (
    Filter("first_event_date", DATE, EQ),
    Filter("last_event_date", DATE, EQ),
    Filter("event_count", INT, ">="),
)
ACTOR_FILTERS = _filters(Filter("actor_name", TEXT, LIKE, lambda c: c.q("actor__name")), *_SUMMARY)
ACTOR_TYPE_FILTERS = _filters(
    Filter("actor_type_id", INT, EQ), Filter("actor_type_name", TEXT, LIKE), *_SUMMARY
)
COUNTRY_FILTERS = _filters(
    Filter("country", TEXT, LIKE), Filter("iso", INT, EQ), Filter("iso3", TEXT, EQ), *_SUMMARY
)
REGION_FILTERS = _filters(Filter("region", INT, EQ), Filter("region_name", TEXT, LIKE), *_SUMMARY)
