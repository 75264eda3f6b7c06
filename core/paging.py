"""Counting and paging large querysets: exact counts up to a limit and the planner's estimate
beyond (chronicle_row_estimate, a SQL function the events migrations create), pages read through
their ids, and every match gathered through the filters' indexes when that is cheaper."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.paginator import Paginator as DjangoPaginator
from django.db import connections
from django.db.models import F, OrderBy, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property

from core.sql import first_column

EXACT_COUNT_LIMIT = 10_000


# The PL/pgSQL function of migration events 0007: EXPLAIN's row estimate for a query's text.
ROW_ESTIMATE_FUNCTION = "chronicle_row_estimate"


def capped_count(queryset: QuerySet, limit: int, *, counted: QuerySet | None = None) -> tuple[int, bool]:
    """(matches, whether the number is an estimate): exact up to `limit`, the planner's beyond.

    On PostgreSQL one statement does both: COUNT over the first `limit` + 1 matches, and only
    when they are all there, the planner's estimate (EXPLAIN, through chronicle_row_estimate).
    The matches select a constant, not the id, so an index holding just the filtered columns
    serves the count without reading the table. Elsewhere (development): exact COUNTs.

    `counted`: the same rows as `queryset`, written so that an index finds them sooner (a
    redundant bound); the count reads it, the estimate stays the planner's for `queryset`.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        exact = queryset.order_by()[: limit + 1].count()
        return (exact, False) if exact <= limit else (queryset.count(), True)
    sql, params = queryset.order_by().values(match=Value(1)).query.sql_with_params()
    estimated = connection.ops.compose_sql(sql, params)
    if counted is not None:
        sql, params = counted.order_by().values(match=Value(1)).query.sql_with_params()
    statement = (
        f"SELECT capped.n, CASE WHEN capped.n > %s THEN {ROW_ESTIMATE_FUNCTION}(%s) END "
        f"FROM (SELECT count(*) AS n FROM ({sql} LIMIT %s) AS matches) AS capped"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [limit, estimated, *params, limit + 1])
        exact, estimate = cursor.fetchone()
    if exact <= limit:
        return exact, False
    return max(estimate or 0, limit + 1), True


def by_ids(sliced: QuerySet, *, gather: bool = False) -> QuerySet:
    """The rows of a sliced queryset, read through their ids: `id IN (SELECT id … LIMIT …)`.

    The ids come from the filters and the order alone, which an index serves without reading
    the table where one matches (a page 10,000 rows deep skips them in the index); only the
    page's rows are then read, with what the queryset loads alongside (select_related,
    prefetch_related). One statement, ordered again outside.

    `gather`: find every match through the filters' indexes and sort them, rather than walk the
    list order's index until enough rows pass the filters (see SMALL_MATCH_SET).
    """
    query = sliced.query
    ids = sliced.prefetch_related(None).values("pk")
    if gather and connections[sliced.db].vendor == "postgresql":
        ids = _gathering(unsliced(ids))[query.low_mark : query.high_mark]
    return rows_of(sliced, ids, ordering_of(sliced))


def rows_of(queryset: QuerySet, ids, order: Sequence[str]) -> QuerySet:
    """The rows of `ids` (a list, or a subquery of ids) in `order`, with what `queryset` loads
    alongside (select_related, prefetch_related); read from its database, past its filters."""
    rows = queryset.model._base_manager.db_manager(queryset.db).filter(pk__in=ids).order_by(*order)
    rows.query.select_related = queryset.query.select_related
    return rows.prefetch_related(*queryset._prefetch_related_lookups)


def unsliced(queryset: QuerySet) -> QuerySet:
    """The same queryset without its slice (LIMIT, OFFSET)."""
    whole = queryset.all()
    whole.query.clear_limits()
    return whole


def ordering_of(queryset: QuerySet) -> tuple:
    """The queryset's order: its own, or its model's default."""
    query = queryset.query
    return query.order_by or (queryset.model._meta.ordering if query.default_ordering else ())


def _gathering(queryset: QuerySet) -> QuerySet:
    """The queryset's ids in its order, written so that no index provides it (unindexed):
    PostgreSQL then finds every match through the filters' indexes and sorts them."""
    return queryset.prefetch_related(None).order_by(*unindexed(ordering_of(queryset))).values("pk")


def unindexed(order: Sequence) -> list[OrderBy]:
    """The same order, as expressions no index provides: COALESCE(column, column). Ordered by
    them, PostgreSQL gathers the matches through the filters' indexes and sorts them, rather
    than walk an index that holds the order."""
    terms = []
    for term in order:
        if isinstance(term, str):
            name = term.removeprefix("-")
            expression = Coalesce(F(name), F(name))
            term = expression.desc() if term.startswith("-") else expression.asc()
        terms.append(term)
    return terms


class CappedCountPaginator(DjangoPaginator):
    """Counts exactly up to `exact_limit` matches, estimates beyond; one query (capped_count)."""

    exact_limit = EXACT_COUNT_LIMIT

    @cached_property
    def count(self) -> int:
        count, self.count_is_estimate = capped_count(
            self.object_list, self.exact_limit, counted=self.counted()
        )
        return count

    def counted(self) -> QuerySet | None:
        """The list as its capped count reads it (capped_count's `counted`); None: as it is."""
        return None


def row_estimate(queryset: QuerySet) -> int | None:
    """The planner's estimate of the queryset's rows (EXPLAIN, chronicle_row_estimate); None off
    PostgreSQL."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {ROW_ESTIMATE_FUNCTION}(%s)", [connection.ops.compose_sql(sql, params)])
        (estimate,) = cursor.fetchone()
    return estimate


def gathered_ids(queryset: QuerySet, limit: int, *, estimate: int | None) -> list[int] | None:
    """The ids of every match, in the queryset's order, when there are at most `limit`; else None.

    One statement finds the matches through the filters' indexes and sorts them: a full-text
    page then needs no second pass for its count, and its rows are read by id. It is not tried
    when the planner expects more than `limit` matches (a common word: gathering 20,000 of its
    60,000 matches to find out cost 230 ms, walking the list order 45). PostgreSQL only.
    `estimate`: the planner's row_estimate of the queryset, which the caller also uses.
    """
    if connections[queryset.db].vendor != "postgresql":
        return None
    if estimate is not None and estimate > limit:
        return None
    found = first_column(_gathering(queryset)[: limit + 1])
    return found if len(found) <= limit else None
