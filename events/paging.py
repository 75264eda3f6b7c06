"""How a list of events is paged: the one place that decides between walking the list order,
gathering every match, and keyset (cursor) pages, merged from date buckets for a period or read
from the event actors' rows for an actor.

`EventPaginator` is a Django paginator, so the admin's changelist takes it as it is and the API's
paginator builds one per request::

    pages = EventPaginator(events, 50, params=filters, columns=["id", "updated_at", "event_id"])
    page = pages.page(3)                # numbered: page.object_list, pages.count, .count_is_estimate
    after = pages.after((updated_at, pk))  # keyset, ordered by (updated_at, id): .rows, .next_position

`events` is the filtered, ordered queryset; `params` the filters it was built from (EventFilter's
query parameters, which say whether a page may gather its matches or merge a period's buckets);
`columns` the values() columns a page reads (model instances without them). A page number past
the end raises Django's EmptyPage, which each surface answers in its own way (the API with a 404
naming `page`, the admin by going back to the first page); nothing here knows HTTP.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.core.paginator import Page
from django.db import connections
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.utils.functional import cached_property

from core.paging import (
    EXACT_COUNT_LIMIT,
    CappedCountPaginator,
    by_ids,
    gathered_ids,
    ordering_of,
    row_estimate,
    rows_of,
    unindexed,
    unsliced,
)
from core.sql import AtLeastAny
from events.filters import MAX_PERIOD_LEAD, EventFilter
from events.models import PERIOD_REACH_SQL, DateBucket, bucket_start, date_bucket
from events.selectors import actor_cursor_ids, actor_event_ids
from places.models import Place

# Full-text pages with up to this many matches gather their ids (gathered_ids): walking the
# list order costs a to_tsvector() per row (35 µs) over 50 / (share of rows matching) rows;
# gathering costs one bitmap-heap step per match. PostgreSQL prices that call
# at a fraction of a page read, so it walks: at 1M events a word in 6,431 notes took 1,003 ms
# walked and 81 ms gathered; the two meet near 20,000 matches (45,000: walked 70, gathered 280).
TEXT_GATHER_LIMIT = 20_000
# A page whose exact count is at most this many matches gathers its ids rather than walk the
# date order: a province with 448 events, all years back, walked 105,000 rows of the date index
# (111 ms of SQL at 1M events); gathered, its matches come from the place index (~2 ms).
SMALL_MATCH_SET = 5_000
# A cursor page of a period (date_after=, year=) merges the first rows of each 32-day bucket of
# event dates the period can hold (merged_buckets) when there are at most this many buckets (about
# 5 years); walking (updated_at, id) instead passes every event updated before the period's first
# (600,000–850,000 index entries for 2020 or 2025 at 1M events, 60–90 ms).
PERIOD_BUCKET_LIMIT = 60
# A full-text page whose matches the planner puts at this many or more reports that estimate as
# its count without counting the first EXACT_COUNT_LIMIT: counting them rechecks the notes'
# tsvector row by row (a common word at 3M events, 10,001 of its 589,445 matches: 460 ms idle,
# 4 s p50 under the load test), and a count this far beyond the limit would be an estimate anyway.
FAR_BEYOND_EXACT = 10 * EXACT_COUNT_LIMIT
# A period's cursor page filtered by country checks the country's place ids in its buckets' index
# entries (period_buckets) when the country has at most this many places (the largest at 1M
# seed_demo events has 582); beyond, the join to the places alone filters them.
COUNTRY_PLACE_LIMIT = 5_000
# A search for one word the planner puts at this many or more (1.5 times the exact limit) reports
# that estimate uncounted too, and a newest-first page of it is not gathered (_text_window): a
# word's estimate is its share of the notes in the statistics' sample (pg_stats.most_common_elems,
# 30,000 rows) times the events, to a standard error of 4-8 % at that share from 1M to 3M events,
# so 15,000 is 4 to 7 standard errors above the exact limit and its count would be an estimate
# anyway; several words' shares are multiplied as if independent, and only FAR_BEYOND_EXACT is far
# enough for them. Counting q=drone's first 10,001 matches at 3M events (51,000) read 9,000 table
# pages; gathering its 17,252 published matches at 1M took 45 ms, its window 22 ms at 3M.
ONE_WORD_BEYOND_EXACT = 15_000
ONE_WORD = re.compile(r"[^\W_]+")  # letters and digits: one lexeme
# A full-text page that would walk (the planner puts it beyond TEXT_GATHER_LIMIT, below
# FAR_BEYOND_EXACT: a word in 1.7 % of the notes) in the default order reads its rows from the
# latest event dates instead (EventPaginator._recent): walking the date order parses the notes of
# every row it passes (2,900 to_tsvector() for the first page of q=drone at 3M events, 40-65 ms);
# the window's rows AND the search's GIN bitmap leave ~200 rows to read (11 ms). The window holds
# RECENT_WINDOW_MARGIN times the rows the page needs at the search's estimated share of events.
RECENT_WINDOW_MARGIN = 4
# A window of more events than this is not read (the page walks, or PostgreSQL's own plan for a
# deep page): its date bitmap would outgrow work_mem (4 MB: ~65,000 table pages) and turn lossy,
# and a lossy page is rechecked by parsing the notes of each of its rows (q=drone's page 200 at
# 3M events, a window of 2.1M events: 14.8 s; PostgreSQL sorting every match: 0.5 s).
RECENT_WINDOW_ROWS = 50_000
# EventPaginator's `statuses` when the caller does not say which statuses its user may see.
UNKNOWN_STATUSES = object()

# The keyset order of cursor pages: a bulk import gives many rows the same updated_at, so the id
# breaks ties.
CURSOR_ORDER = ("updated_at", "id")
# The events' default order (Event.Meta.ordering): newest first, the order _recent reads.
NEWEST_FIRST = ("-event_date", "-id")

Position = tuple[dt.datetime, int]  # (updated_at, id) of the last row a cursor page listed


def beyond_exact(words: str) -> int:
    """The planner's estimate of a search's matches from which it is reported as the count,
    uncounted: ONE_WORD_BEYOND_EXACT for one word, FAR_BEYOND_EXACT for more."""
    return ONE_WORD_BEYOND_EXACT if ONE_WORD.fullmatch(words.strip()) else FAR_BEYOND_EXACT


@dataclass(frozen=True)
class RecentWindow:
    """How a list's newest-first pages may be read from the events of the latest dates
    (EventPaginator._recent): `matches`, the list's estimated number of matches; `events`, given
    the window's first and last event_date (SQL expressions, the first NULL when the window would
    hold more than RECENT_WINDOW_ROWS events), the list's events dated in it, or None to filter
    the list itself by date. A list built from a subquery of ids (the admin's search) gives
    `events` so that the subquery reads only the window too."""

    matches: int
    events: Callable[[RawSQL, RawSQL], QuerySet] | None = None


@dataclass(frozen=True)
class CursorPage:
    """One keyset page: its rows, and the position after its last row when more follow."""

    rows: list
    next_position: Position | None

    @property
    def has_next(self) -> bool:
        return self.next_position is not None


class EventPaginator(CappedCountPaginator):
    """Pages of a filtered event list, each read the cheapest way the filters allow.

    Numbered pages (`page`): a GATHERED filter (full text, an actor, a source) with at most
    TEXT_GATHER_LIMIT matches gathers and sorts every match's id in one statement, which is the
    count too; otherwise the count is capped (exact up to `exact_limit`, estimated beyond) and the
    page's rows are read through their ids, gathered when the exact count is at most
    SMALL_MATCH_SET, else by walking the list order. Keyset pages (`after`): ordered by
    (updated_at, id), no count; an actor's pages come from its event actors' rows
    (_actor_cursor_page), a period's merge its date buckets (merged_buckets).
    """

    def __init__(
        self,
        object_list: QuerySet,
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
        *,
        params: Mapping | None = None,
        columns: list[str] | None = None,
        statuses: Sequence[str] | None | object = UNKNOWN_STATUSES,
        window: RecentWindow | None = None,
    ) -> None:
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.params = params if params is not None else {}
        self.columns = columns
        # The caller's own window for newest-first pages (_recent); without one, a full-text
        # search's (_text_window).
        self.window = window
        # The statuses the list's user may see (events.models.visible_statuses; None: any), for
        # an actor's page read from the event actors' rows (_actor_page); not given, no such page.
        self.statuses = statuses

    @cached_property
    def gathered(self) -> list[int] | None:
        """Every match's id in list order, when a GATHERED filter has few enough matches."""
        if not EventFilter.gathers(self.params):
            return None
        listed = self._actor_page()
        if listed is None and not self._uncounted_newest_first():
            listed = gathered_ids(self.object_list, TEXT_GATHER_LIMIT, estimate=self.estimate)
        return listed

    def _uncounted_newest_first(self) -> bool:
        """Whether this is a full-text search whose count is the planner's estimate uncounted
        (beyond_exact), listed newest first: its page is then read from the latest dates
        (_recent) or by walking that order, without gathering every match."""
        words = self.params.get("q")
        if not words or tuple(ordering_of(self.object_list)) != NEWEST_FIRST:
            return False
        return (self.estimate or 0) >= beyond_exact(words)

    def _actor_page(self) -> list[int] | None:
        """The ids of every match of a page filtered by actor alone (EventFilter.actor_page), in
        the list's order, read from the event actors' rows without touching the events; None for
        other filters or orders, or beyond TEXT_GATHER_LIMIT matches (then gathered_ids).

        An actor in 6,500 events: gathered through the events, each match is probed in the
        events' index for its status and date (16 ms of SQL at 1M events); here they are one
        index range. The list is taken to be the events its user may see (`statuses`) with these
        filters; its rows are not read, only its database.
        """
        if self.statuses is UNKNOWN_STATUSES:
            return None
        page = EventFilter.actor_page(self.params)
        if page is None:
            return None
        return actor_event_ids(
            actor_ids=page.actor_ids,
            statuses=page.visible_statuses(self.statuses),
            descending=page.descending,
            limit=TEXT_GATHER_LIMIT,
            using=self.object_list.db,
        )

    @cached_property
    def estimate(self) -> int | None:
        """The planner's estimate of the matches (PostgreSQL; None elsewhere)."""
        return row_estimate(self.object_list)

    @cached_property
    def count(self) -> int:
        """The matches: the gathered ids' number, the planner's estimate of a full-text search far
        beyond the exact limit (FAR_BEYOND_EXACT; one word: ONE_WORD_BEYOND_EXACT),
        or the capped count."""
        if self.gathered is not None:
            self.count_is_estimate = False
            return len(self.gathered)
        words = self.params.get("q")
        if words and (self.estimate or 0) >= beyond_exact(words):
            self.count_is_estimate = True
            return self.estimate
        return super().count  # the capped count (CappedCountPaginator)

    def counted(self) -> QuerySet | None:
        """The list as its capped count reads it: a period's events (date_after=, year=) bounded
        below by event_date as well, at the period's first day minus the longest reach of any
        period past its date (period_buckets' bound, read in the same statement); PostgreSQL
        only. The filter bounds period_end alone below, so a count through a date index
        (event_type_date_idx) walked every older event first: Battles in 2015 passed 77,000
        entries of 1997-2014 to count 7,717 at 1M events (76 ms cold; 7 ms bounded).
        """
        floor = EventFilter.period_floor(self.params)
        if floor is None or connections[self.object_list.db].vendor != "postgresql":
            return None
        earliest = RawSQL(f"%s::date - ({PERIOD_REACH_SQL})", (floor,))
        return self.object_list.filter(AtLeastAny(F("event_date"), earliest))

    def page(self, number) -> Page:
        """The page `number` (Django's bounds and errors), its rows read as the filters allow."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.gathered is not None:
            rows = self._listed(self.gathered[bottom:top])
        else:
            small = self.count <= SMALL_MATCH_SET and not self.count_is_estimate
            rows = None if small else self._recent(bottom, top)
            if rows is None:
                rows = self._read(by_ids(self._source()[bottom:top], gather=small))
        return self._get_page(rows, number, self)

    def _recent(self, bottom: int, top: int) -> list | None:
        """The rows `bottom` to `top` of a list in the default order (newest first) that would
        walk it, found among the events of the latest dates (RECENT_WINDOW_MARGIN): a full-text
        search (_text_window) or the caller's `window`; None when they are not all there or the
        window would hold more than RECENT_WINDOW_ROWS events (then the page walks), or for other
        lists.

        One statement: the window starts at the event_date found that many rows down the date
        index (event_date_id_idx), and PostgreSQL ANDs its range with the notes' GIN bitmap. Every
        match newer than the window's first date is in it, so once it holds `top` matches they
        are the list's first `top`. The window's upper end (the latest date: no row is later)
        tells the planner it is a short range, whose plan stays serial.
        """
        events = self.object_list
        connection = connections[events.db]
        window = self.window or self._text_window()
        if window is None or connection.vendor != "postgresql":
            return None
        if tuple(ordering_of(events)) != NEWEST_FIRST:
            return None
        name = events.model._meta.db_table
        table = connection.ops.quote_name(name)
        first = RawSQL(  # no window beyond RECENT_WINDOW_ROWS; past the last row, every event
            f"SELECT CASE WHEN w.k <= %s THEN coalesce((SELECT event_date FROM {table} "
            "ORDER BY event_date DESC OFFSET w.k LIMIT 1), '-infinity'::date) END FROM (SELECT "
            "greatest(0, ceil(%s * (SELECT reltuples FROM pg_class WHERE oid = %s::regclass) / %s))"
            "::bigint AS k) AS w",
            (RECENT_WINDOW_ROWS, top * RECENT_WINDOW_MARGIN, name, window.matches or 1),
        )
        last = RawSQL(f"SELECT max(event_date) FROM {table}", ())
        if window.events is None:
            dated = self._source().filter(event_date__gte=first, event_date__lte=last)
        else:
            # the list's order and what it loads alongside, as _source() keeps them
            dated = window.events(first, last).order_by(*ordering_of(events))
            dated.query.select_related = events.query.select_related
            dated = dated.prefetch_related(None)
            if not self.columns:
                dated = dated.prefetch_related(*events._prefetch_related_lookups)
        rows = list(self._read(by_ids(dated[bottom:top], gather=True)))
        return rows if len(rows) == top - bottom else None

    def _text_window(self) -> RecentWindow | None:
        """A full-text search's window: one the planner puts below FAR_BEYOND_EXACT that did not
        try gathering (beyond TEXT_GATHER_LIMIT, or _uncounted_newest_first; a gathering tried is
        a statement of the 6 a page may take)."""
        if not self.params.get("q"):
            return None
        estimate = self.estimate or 0
        tried = estimate <= TEXT_GATHER_LIMIT and not self._uncounted_newest_first()
        return RecentWindow(matches=estimate) if not tried and estimate < FAR_BEYOND_EXACT else None

    def after(self, position: Position | None) -> CursorPage:
        """The `per_page` events after `position` in (updated_at, id) order (from the start
        without one), and the position to continue from (`columns` must hold id and updated_at)."""
        events = self._source().order_by(*CURSOR_ORDER)
        actor_rows = self._actor_cursor_page(position, self.per_page + 1)
        if actor_rows is not None:
            rows = list(self._read(actor_rows))
        else:
            buckets = period_buckets(events, self.params, PERIOD_BUCKET_LIMIT)
            if position:
                # Row-value comparison (updated_at, id) > (…, …): PostgreSQL walks the composite
                # index with it; Django (5.2) writes an equivalent OR where the backend lacks row
                # values.
                events = events.filter(TupleGreaterThan(Tuple(*CURSOR_ORDER), position))
            sliced = events[: self.per_page + 1]
            if not buckets:
                page = by_ids(sliced)
            else:
                ids = country_period_ids(sliced, buckets) if buckets.places is not None else None
                page = merged_buckets(sliced, buckets) if ids is None else rows_of(sliced, ids, CURSOR_ORDER)
            rows = list(self._read(page))
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        return CursorPage(rows=rows, next_position=_position(rows[-1]) if more else None)

    def _actor_cursor_page(self, position: Position | None, limit: int) -> QuerySet | None:
        """The first `limit` events after `position` of a cursor page filtered by actor alone
        (EventFilter.actor_page), read through the event actors' rows (actor_cursor_ids); None
        for other filters, or off PostgreSQL (then the list's (updated_at, id) order is walked).

        Walking that order probes each event's actors: an actor in 6,500 of a million events
        passed about 7,800 events for a page (19 ms idle); here the page is one index range per
        actor and status. The list is taken to be the events its user may see (`statuses`) with
        these filters, as for an actor's numbered pages (_actor_page).
        """
        if self.statuses is UNKNOWN_STATUSES or connections[self.object_list.db].vendor != "postgresql":
            return None
        page = EventFilter.actor_page(self.params)
        if page is None:
            return None
        ids = actor_cursor_ids(
            actor_ids=page.actor_ids,
            statuses=page.visible_statuses(self.statuses),
            after=position,
            limit=limit,
        )
        return rows_of(self._source(), ids, CURSOR_ORDER)

    def _source(self) -> QuerySet:
        """The list; rows read as values() need none of its prefetches."""
        return self.object_list.prefetch_related(None) if self.columns else self.object_list

    def _read(self, events: QuerySet) -> QuerySet:
        """The rows a page lists: dicts of `columns`, or model instances."""
        return events.values(*self.columns) if self.columns else events

    def _listed(self, ids: list[int]) -> list:
        """The events of these ids, in this order."""
        events = self.object_list
        rows = events.model._base_manager.db_manager(events.db).filter(pk__in=ids)
        if self.columns:
            found = {row["id"]: row for row in rows.values(*self.columns)}
        else:
            rows.query.select_related = events.query.select_related
            found = {row.pk: row for row in rows.prefetch_related(*events._prefetch_related_lookups)}
        return [found[pk] for pk in ids if pk in found]


def _position(row) -> Position:
    if isinstance(row, dict):
        return row["updated_at"], row["id"]
    return row.updated_at, row.pk


@dataclass(frozen=True)
class PeriodBuckets:
    """The date buckets (DateBucket) a period's matches can lie in, and the place ids a country
    filter stands for (country places, below; None without one or beyond COUNTRY_PLACE_LIMIT)."""

    first: int
    last: int
    places: list[int] | None
    # The buckets merged_buckets walks (those of the period's own days, from the floor's to the
    # last day's), and the date ranges [start, end) it reads by date instead: the days before the
    # floor's bucket (down to the floor minus the longest reach) and after the last day's bucket
    # (up to the last day plus a period's longest lead), whose matches are only the events whose
    # periods cross the period's edge.
    walked: tuple[int, int]
    edges: tuple[tuple[dt.date, dt.date], ...]


def period_buckets(queryset: QuerySet, params: Mapping, limit: int) -> PeriodBuckets | None:
    """The first and last date buckets a period's matches can lie in, or None when there is no
    period floor, more than `limit` buckets, or no PostgreSQL.

    A period filter keeps the events whose period ends on or after its first day (the floor); none
    of them has an event_date before the floor minus the longest reach of any period
    (EventQuerySet.period_reach), nor after the filter's ceiling or the latest event_date. One
    statement reads the reach and the latest date, from two index probes, and the country's
    places.

    Country places: the country filter is a join to the places, which PostgreSQL hashes; each
    bucket is then read whole and sorted (3,500 entries a bucket for 2015 at 1M events). The same
    condition as the country's place ids, a constant array (hashed), is checked in the bucket
    index's own entries (it holds place_id): no join or sort per bucket, and a bucket's walk stops
    once it holds the page's rows of the country (Syria in 2015: 2,040 entries a bucket read).
    """
    floor = EventFilter.period_floor(params)
    connection = connections[queryset.db]
    if floor is None or connection.vendor != "postgresql":
        return None
    codes = EventFilter.country_codes(params)
    places = (
        f"(SELECT array_agg(id) FROM (SELECT id FROM {Place._meta.db_table} "
        "WHERE country_code = ANY(%s) LIMIT %s) AS country)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ({PERIOD_REACH_SQL}), (SELECT max(event_date) FROM events_event), "
            + (places if codes else "NULL"),
            (codes, COUNTRY_PLACE_LIMIT + 1) if codes else (),
        )
        reach, latest, place_ids = cursor.fetchone()
    if latest is None:
        return None
    ceiling = min(filter(None, [EventFilter.period_ceiling(params), latest]))
    first, last = date_bucket(_minus(floor, reach)), date_bucket(ceiling)
    if last - first >= limit:
        return None
    if place_ids is not None and len(place_ids) > COUNTRY_PLACE_LIMIT:
        place_ids = None
    last = max(first, last)
    # The period's own days: from the floor to its last day (the ceiling less a period's lead).
    own_first = max(first, date_bucket(floor))
    own_last = min(last, date_bucket(ceiling - MAX_PERIOD_LEAD)) if ceiling < latest else last
    edges = []
    if own_first > first:
        edges.append((_minus(floor, reach), bucket_start(own_first)))
    if own_last < last:
        edges.append((bucket_start(own_last + 1), ceiling + dt.timedelta(days=1)))
    if own_last < own_first:  # a period shorter than a bucket's edges: walk every bucket
        own_first, own_last, edges = first, last, []
    return PeriodBuckets(first, last, place_ids, walked=(own_first, own_last), edges=tuple(edges))


def _minus(day: dt.date, days: int) -> dt.date:
    try:
        return day - dt.timedelta(days=days)
    except OverflowError:
        return dt.date.min


def country_period_ids(sliced: QuerySet, buckets: PeriodBuckets) -> list[int] | None:
    """The ids of a sliced cursor page (ordered by updated_at, id) of a country's period, gathered
    from the country's places when the period holds at most SMALL_MATCH_SET of its events; None
    when it holds more (then merged_buckets).

    Each bucket of merged_buckets holds every country's events: a country with fewer than a
    page's events in a bucket reads the bucket whole (Syria's 2015 at 3M events: 14 buckets of
    3,100 entries, 10 ms of SQL). Its matches are instead one short range per place of
    event_place_date_idx, which holds updated_at: sorted, the page is their first rows (3,960
    published matches: 4.7 ms). Gathered without an order, the matches stop at the limit, and a period
    holding more (a country with many events a bucket, whose buckets' walks stop early) is left
    to merged_buckets: one statement, which says which.
    """
    limit = sliced.query.high_mark
    matches = (
        unsliced(sliced)
        .prefetch_related(None)
        .filter(
            place_id__in=buckets.places,
            event_date__gte=bucket_start(buckets.first),
            event_date__lt=bucket_start(buckets.last + 1),
        )
        .order_by()
        .values("pk", "updated_at")[: SMALL_MATCH_SET + 1]
    )
    sql, params = matches.query.sql_with_params()
    with connections[sliced.db].cursor() as cursor:
        cursor.execute(
            f"WITH matches AS MATERIALIZED ({sql}) SELECT gathered.n, page.pk "
            "FROM (SELECT count(*) AS n FROM matches) AS gathered LEFT JOIN LATERAL "
            "(SELECT pk, updated_at FROM matches ORDER BY updated_at, pk LIMIT %s) AS page "
            "ON gathered.n <= %s ORDER BY page.updated_at, page.pk",
            (*params, limit, SMALL_MATCH_SET),
        )
        rows = cursor.fetchall()
    if rows[0][0] > SMALL_MATCH_SET:
        return None
    return [pk for _n, pk in rows if pk is not None]


def merged_buckets(sliced: QuerySet, buckets: PeriodBuckets) -> QuerySet:
    """The rows of a sliced cursor page (ordered by updated_at, id), merged from the date buckets.

    Each bucket's first rows after the position are one range of event_bucket_idx; the page is
    the first rows of those, sorted. The buckets are those of the period's own days
    (PeriodBuckets.walked); the few matches dated before or after them are read by date
    (PeriodBuckets.edges). At 3M events, year=2020: 6.3 → 2.5 ms of SQL. generate_series and
    LATERAL keep it one statement planned once, whatever the number of buckets (a UNION ALL of
    23 branches took 5 ms to plan).
    """
    limit = sliced.query.high_mark
    whole = unsliced(sliced)
    if buckets.places is not None:
        whole = whole.filter(place_id__in=buckets.places)
    whole = whole.prefetch_related(None)
    first, last = buckets.walked
    crossing_sql, crossing_params = "", ()
    for start, end in buckets.edges:
        # The buckets at a period's edges hold mostly events whose periods end before it or
        # start after it, read whole to find the few that cross the edge (at 3M events, for
        # year=2020, the bucket of 2021-01-06 held 13,664 entries, none of them a match, and the
        # floor's 12,573 with its 51st match 5,401 entries in); those few are one range of dates
        # each, gathered and sorted (unindexed: no index provides the order, so none is walked).
        crossing = (
            whole.filter(event_date__gte=start, event_date__lt=end)
            .order_by(*unindexed(CURSOR_ORDER))
            .values("pk", "updated_at")[:limit]
        )
        sql, params = crossing.query.sql_with_params()
        crossing_sql += f" UNION ALL ({sql})"
        crossing_params += params
    branch = (
        whole.alias(bucket=DateBucket())
        .filter(bucket=RawSQL("buckets.n", ()))
        .order_by(*CURSOR_ORDER)
        .values("pk", "updated_at")[:limit]
    )
    sql, params = branch.query.sql_with_params()
    ids = RawSQL(
        "SELECT page.pk FROM (SELECT walked.pk, walked.updated_at FROM generate_series(%s, %s) "
        f"AS buckets(n), LATERAL ({sql}) AS walked{crossing_sql}) AS page "
        "ORDER BY page.updated_at, page.pk LIMIT %s",
        (first, last, *params, *crossing_params, limit),
    )
    return rows_of(sliced, ids, CURSOR_ORDER)
