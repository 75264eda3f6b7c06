"""Events, the actors' parts in them, sources, citations, import batches and tombstones."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import connections, models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.textcheck import name_problem
from core.vocab import (
    EVENT_TAXONOMY,
    ActorRole,
    CitationField,
    DisorderType,
    EventType,
    ExportFileFormat,
    GeoPrecision,
    InterCode,
    RetractionReason,
    SourceKind,
    SourceScale,
    Status,
    SubEventType,
    TimePrecision,
    is_valid_pair,
)
from events import rules
from events.roles import has_a_role

# The id prefix and the derivations live with the event rules; these names stay importable here.
NO_COUNTRY, event_period = rules.NO_COUNTRY, rules.event_period


# Days a period may end after its event_date without an end_date beyond it: a month's precision
# ends within 30, a week's within 3 (events.rules.event_period).
SHORT_PERIOD_REACH = 31
# The longest reach (EventQuerySet.period_reach): the largest entry of event_long_period_idx,
# whose expression and condition this repeats so that PostgreSQL reads it from the index.
PERIOD_REACH_SQL = (
    f"SELECT coalesce(max(period_end - event_date), {SHORT_PERIOD_REACH}) FROM events_event "
    f"WHERE period_end - event_date > {SHORT_PERIOD_REACH}"
)


# Days in a bucket of event dates (DateBucket): about a month, so that a year of a cursor pull
# is 13 short index ranges of event_bucket_idx.
BUCKET_DAYS = 32
BUCKET_EPOCH = dt.date(1970, 1, 1)


def date_bucket(day: dt.date) -> int:
    """The bucket of a date, as DateBucket computes it in SQL."""
    return (day - BUCKET_EPOCH).days // BUCKET_DAYS


def bucket_start(bucket: int) -> dt.date:
    """The first date of a bucket (date_bucket's inverse)."""
    return BUCKET_EPOCH + dt.timedelta(days=bucket * BUCKET_DAYS)


class DateBucket(models.Func):
    """The 32-day bucket of event_date: exactly the expression of event_bucket_idx (migration 0019)."""

    template = f"((%(expressions)s - DATE '{BUCKET_EPOCH.isoformat()}') / {BUCKET_DAYS})"
    output_field = models.IntegerField()

    def __init__(self) -> None:
        super().__init__(F("event_date"))


def _pair_condition() -> Q:
    """The valid (event_type, sub_event_type) pairs as one CHECK; blank only for legacy types."""
    condition = Q(sub_event_type="") & ~Q(legacy_event_type="")
    for event_type, sub_types in EVENT_TAXONOMY.items():
        condition |= Q(event_type=event_type, sub_event_type__in=list(sub_types))
    return condition


class Source(models.Model):
    """Who reported events: an agency, newspaper, NGO, partner…"""

    name = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.OTHER)
    scale = models.CharField("source scale", max_length=40, choices=SourceScale.choices, blank=True)
    url = models.URLField(blank=True, max_length=500)
    country = models.CharField("country (ISO alpha-3)", max_length=3, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # A look-alike name would pass for another source (core/textcheck.py).
        if problem := name_problem(self.name or ""):
            raise ValidationError({"name": problem})


class ImportBatch(models.Model):
    """One run of an importer: who, when, what file, what came of each row."""

    class Format(models.TextChoices):
        ACLED = "acled", "ACLED CSV"
        ACLED_LEGACY = "acled_legacy", "ACLED CSV (pre-2019)"
        UCDP = "ucdp", "UCDP GED CSV"
        ADMIN = "admin", "Admin import"

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        DRY_RUN = "dry_run", "Dry run (nothing written)"
        COMMITTED = "committed", "Committed"
        FAILED = "failed", "Failed (nothing written)"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64, blank=True)
    format = models.CharField(max_length=20, choices=Format.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="Row-level errors: row, column, value, reason."
    )
    duplicates = models.JSONField(
        default=list,
        blank=True,
        help_text="Rows that may duplicate other events (not errors): row, event_id, note.",
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.get_format_display()} import of {self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"


class EventIdCounter(models.Model):
    """The last serial handed out per country prefix (SYR → 12345 gives SYR12345)."""

    prefix = models.CharField(max_length=3, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}{self.last}"


class EventHistoryMarks(models.Model):
    """What a reviewer may say about one version of an event, beyond its change reason."""

    # db_default: the importers write history rows by INSERT … SELECT from the events table, which
    # has no such column (events.importers.bulk.copy_history).
    history_redaction = models.BooleanField(
        "redaction",
        default=False,
        db_default=False,
        help_text="This change removed content that must not stay public: the values it replaced "
        "are shown to staff only.",
    )

    class Meta:
        abstract = True


def visible_statuses(user) -> tuple[str, ...] | None:
    """The statuses of the events `user` may see; None for every one (EventQuerySet.visible_to)."""
    return None if has_a_role(user) else (Status.PUBLISHED,)


class EventQuerySet(models.QuerySet):
    def published(self) -> "EventQuerySet":
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user) -> "EventQuerySet":
        """Everything for users who may view events (drafts, retracted); published otherwise."""
        if visible_statuses(user) is None:
            return self
        return self.published()

    def period_reach(self) -> int:
        """The most days any event's period ends after its event_date (at least 31: a week or
        month precision, or an end_date within the month, ends sooner), exact after every write.

        A filter `period_end >= day` may then add `event_date >= day - reach`, which PostgreSQL
        reads from a date index. On PostgreSQL the longer reaches are read from
        event_long_period_idx (migration 0019) in one probe; elsewhere from the events.
        """
        if connections[self.db].vendor == "postgresql":
            with connections[self.db].cursor() as cursor:
                cursor.execute(PERIOD_REACH_SQL)
                return cursor.fetchone()[0]
        events = self.model._base_manager.db_manager(self.db)
        longest = events.aggregate(reach=models.Max(F("period_end") - F("event_date")))["reach"]
        return max(longest.days if longest else 0, SHORT_PERIOD_REACH)

    def in_place(self, place) -> "EventQuerySet":
        """Events at this place or anywhere under it."""
        return self.filter(place__path__startswith=place.path)

    def with_related(self) -> "EventQuerySet":
        """Everything an event payload or export shows, in a constant number of queries."""
        return self.select_related("place").prefetch_related(
            models.Prefetch(
                "event_actors",
                queryset=EventActor.objects.select_related("actor").order_by("role", "position"),
            ),
            models.Prefetch("citations", queryset=Citation.objects.select_related("source").order_by("id")),
        )


# The fields a person or a file codes on an event; the rest is assigned (event_id, status,
# version, who and when) or derived (events.rules) on save. The admin form, the API's write
# serializer and the importers take their fields from here.
CODED_FIELDS: tuple[str, ...] = (
    "event_date",
    "end_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "legacy_event_type",
    "place",
    "geo_precision",
    "fatalities",
    "civilian_targeting",
    "notes",
    "tags",
    "source_scale",
)
# Assigned or derived on save, so full_clean() before the save skips them.
CLEAN_EXCLUDE: tuple[str, ...] = ("event_id", "period_start", "period_end", "disorder_type")


class Event(models.Model):
    """One event of political violence, protest or strategic development, ACLED-style."""

    event_id = models.CharField(
        max_length=30,
        unique=True,
        editable=False,
        help_text="Public id: ISO alpha-3 + serial (SYR12345); imported ACLED ids are kept.",
    )
    event_date = models.DateField(db_index=False)
    time_precision = models.PositiveSmallIntegerField(
        choices=TimePrecision.choices, default=TimePrecision.DAY
    )
    end_date = models.DateField(null=True, blank=True, help_text="For events lasting several days.")
    period_start = models.DateField(editable=False)
    period_end = models.DateField(editable=False)
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    sub_event_type = models.CharField(max_length=50, choices=SubEventType.choices, blank=True)
    legacy_event_type = models.CharField(
        max_length=100,
        blank=True,
        help_text="The pre-2019 ACLED event type this was imported as, when no sub-type follows.",
    )
    disorder_type = models.CharField(max_length=40, choices=DisorderType.choices, editable=False)
    interaction = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # Indexed by event_place_cover_idx, which leads with it (one index less to write on import).
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="events", db_index=False)
    geo_precision = models.PositiveSmallIntegerField(
        choices=GeoPrecision.choices, null=True, blank=True, help_text="Defaults to the place's."
    )
    fatalities = models.IntegerField(default=0)
    civilian_targeting = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    tags = models.CharField(max_length=500, blank=True)
    source_scale = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    retracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    retraction_reason = models.CharField(
        max_length=20, choices=RetractionReason.choices, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_index=False,  # event_created_by_idx: partial, since imports by command leave it empty
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    import_batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        editable=False,
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    source_timestamp = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The imported row's upstream timestamp (ACLED `timestamp`, Unix seconds).",
    )
    source_hash = models.BigIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Digest of the file row last imported into this event; an identical row is skipped.",
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_events",
        editable=False,
        db_index=False,  # event_merged_into_idx: partial, since nearly every event has none
        help_text="The event this duplicate was merged into (events/merges.py).",
    )

    # History rows are read by the event's id only (events.history); an index on any other column
    # of theirs served no read and was written by every import (docs/benchmarks.md).
    history = HistoricalRecords(
        excluded_fields=["period_start", "period_end"],
        bases=[EventHistoryMarks],
        no_db_index=["event_id", "place", "created_by", "updated_by", "import_batch", "merged_into"],
    )
    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-event_date", "-id"]
        permissions = [
            ("publish_event", "Can publish events"),
            ("retract_event", "Can retract events"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(fatalities__gte=0),
                name="event_fatalities_not_negative",
                violation_error_message="Fatalities cannot be negative.",
            ),
            models.CheckConstraint(
                condition=_pair_condition(),
                name="event_valid_type_pair",
                violation_error_message="This sub-event type does not belong to this event type.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("event_date")),
                name="event_end_after_start",
                violation_error_message="The end date cannot be before the event date.",
            ),
            models.CheckConstraint(
                condition=Q(time_precision__in=TimePrecision.values),
                name="event_time_precision_valid",
            ),
        ]
        # The API's filters and list order at a million rows (docs/benchmarks.md): each index
        # leads with a filter's columns and carries what a capped count or a page's ids need, so
        # PostgreSQL answers them from the index alone (status: anonymous callers see published).
        indexes = [
            models.Index(fields=["event_date", "id"], name="event_date_id_idx"),
            models.Index(
                fields=["period_end", "period_start", "status", "event_date"], name="event_period_end_idx"
            ),
            models.Index(fields=["event_type", "sub_event_type", "status"], name="event_type_status_idx"),
            # An event type with a year, a date range or a country's other filters: counted and
            # paged from the index (event_type=Battles&year=2015: 279 → 15 ms at 1M events).
            models.Index(
                fields=["event_type", "status", "event_date", "id"],
                include=[
                    "sub_event_type",
                    "period_start",
                    "period_end",
                    "place",
                    "fatalities",
                    "civilian_targeting",
                ],
                name="event_type_date_idx",
            ),
            models.Index(
                fields=["status", "event_date", "id", "place", "period_start", "period_end"],
                name="event_status_date_id_idx",
            ),
            # Not declared here, PostgreSQL only (migration 0019), for cursor pages of a period:
            # event_long_period_idx on (period_end - event_date) for the events whose period ends
            # more than a month after their date (EventQuerySet.period_reach in one index probe),
            # and event_bucket_idx on (DateBucket, updated_at, id) with the filters' columns.
            # A country or place with any of the common filters besides: country=SYR&fatalities_min=1
            # counted 140 → 10 ms at 1M events once these columns are in the index.
            models.Index(
                fields=["place", "status", "event_type", "event_date", "id"],
                include=[
                    "fatalities",
                    "civilian_targeting",
                    "interaction",
                    "disorder_type",
                    "period_start",
                    "period_end",
                ],
                name="event_place_cover_idx",
            ),
            # The likely-duplicate window: an event's nearby places' events dated within a month of
            # it, one short range per place (in event_place_cover_idx the status and type come
            # before the date, so each probe read all of a place's events: 300 entries a probe at
            # a million events; an import's report 14 s → 9 s, docs/benchmarks.md). With
            # updated_at, a country's period is gathered for a cursor page from the index alone
            # (events.paging.country_period_ids).
            models.Index(
                fields=["place", "event_date"],
                include=[
                    *("id", "status", "event_type", "period_start", "period_end"),
                    *("fatalities", "updated_at"),
                ],
                name="event_place_date_idx",
            ),
            models.Index(fields=["id", "status", "event_date"], name="event_id_status_date_idx"),
            # Cursor pages walk (updated_at, id); the filters most often combined with them are
            # checked in the index, not the table (year=2020 with a cursor: 1.5 s → 55 ms; updated_at
            # follows the event dates, so a date filter skips most of the walk).
            models.Index(
                fields=["updated_at", "id"],
                include=["status", "event_date", "period_start", "period_end", "place", "event_type"],
                name="event_updated_cover_idx",
            ),
            models.Index(fields=["fatalities"], name="event_fatalities_idx"),
            models.Index(
                fields=["merged_into"], condition=Q(merged_into__isnull=False), name="event_merged_into_idx"
            ),
            # Deleting a user sets their events' created_by to NULL; only a person's events have one.
            models.Index(
                fields=["created_by"], condition=Q(created_by__isnull=False), name="event_created_by_idx"
            ),
        ]

    def __str__(self) -> str:
        kind = self.sub_event_type or self.event_type
        return f"{self.event_id or 'new event'} · {self.event_date} · {kind}"

    @property
    def is_public(self) -> bool:
        return self.status == Status.PUBLISHED

    def clean(self) -> None:
        errors = {}
        if self.event_type and not self.sub_event_type and not self.legacy_event_type:
            errors["sub_event_type"] = "Choose a sub-event type."
        elif (
            self.event_type
            and self.sub_event_type
            and not is_valid_pair(self.event_type, self.sub_event_type)
        ):
            errors["sub_event_type"] = (
                f"“{self.sub_event_type}” is not a sub-event type of “{self.event_type}”."
            )
        if self.fatalities is not None and self.fatalities < 0:
            errors["fatalities"] = "Fatalities cannot be negative."
        if self.end_date and self.event_date and self.end_date < self.event_date:
            errors["end_date"] = "The end date cannot be before the event date."
        if errors:
            raise ValidationError(errors)

    def derive(self) -> None:
        """Recompute the stored derived fields that depend only on this row (events.rules)."""
        rules.event_derive(self)

    def save(self, *args, **kwargs) -> None:
        self.derive()
        super().save(*args, **kwargs)

    def actors_in_role(self, role: str) -> list:
        return [ea.actor for ea in self.event_actors.all() if ea.role == role]


class EventActor(models.Model):
    """An actor's part in one event, with the inter code it had there."""

    # Indexed by the indexes leading with them: event_actor_unique_role, event_actor_page_idx.
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="event_actors", db_index=False)
    actor = models.ForeignKey(
        "actors.Actor", on_delete=models.PROTECT, related_name="event_roles", db_index=False
    )
    role = models.CharField(max_length=15, choices=ActorRole.choices)
    inter = models.PositiveSmallIntegerField(
        "inter code",
        choices=InterCode.choices,
        null=True,
        blank=True,
        help_text="The actor's inter code in this event; defaults to the actor's kind.",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order among associates.")
    # Copies of the event's own, written by the database's triggers only (events/actor_copies.py),
    # so that an actor's page and its count are one range of event_actor_page_idx, and its cursor
    # page one range of event_actor_cursor_idx.
    event_date = models.DateField(null=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, blank=True, default="", editable=False)
    updated_at = models.DateTimeField(null=True, editable=False)

    # Read by the row's id and by its event's (events.history); not by actor. The event's copies
    # are the event's history, not the part's.
    history = HistoricalRecords(no_db_index=["actor"], excluded_fields=["event_date", "status", "updated_at"])

    class Meta:
        ordering = ["role", "position", "id"]
        verbose_name = "event actor"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "actor", "role"],
                name="event_actor_unique_role",
                violation_error_message="This actor already has this role in the event.",
            ),
            models.UniqueConstraint(
                fields=["event", "role"],
                condition=Q(role__in=[ActorRole.ACTOR1, ActorRole.ACTOR2]),
                name="event_one_actor1_one_actor2",
                violation_error_message="An event has at most one actor 1 and one actor 2.",
            ),
        ]
        indexes = [
            models.Index(fields=["actor", "role"], name="event_actor_actor_role_idx"),
            # An actor's events in the list's order, for one status or all: the API's page and
            # its count from one range of the index alone (events.selectors.actor_event_ids; an
            # actor in two roles of one event is two entries side by side). It leads with the
            # actor and holds the event, so it also serves every "this actor's events" subquery
            # that (actor, event) served before it (docs/benchmarks.md, "An actor's events").
            models.Index(fields=["actor", "status", "event_date", "event"], name="event_actor_page_idx"),
            # An actor's events in the cursor's order (updated_at, event), for one status: a cursor
            # page is the first entries after its position in one range per actor and status
            # (events.selectors.actor_cursor_ids), where the events' own (updated_at, id) order
            # passes every other actor's events, probing each one's actors.
            models.Index(fields=["actor", "status", "updated_at", "event"], name="event_actor_cursor_idx"),
            # An inter code's events, from the index alone (API and admin filters).
            models.Index(fields=["inter", "event"], name="event_actor_inter_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.actor}"

    def save(self, *args, **kwargs) -> None:
        if self.inter is None and self.actor_id:
            self.inter = self.actor.kind
        super().save(*args, **kwargs)


class Citation(models.Model):
    """The source behind a claim about an event, with the sentence relied on."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="citations")
    # Indexed by citation_source_event_idx, which leads with it (one index less to write on import).
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations", db_index=False)
    url = models.URLField(blank=True, max_length=1000)
    quote = models.TextField(blank=True, help_text="The sentence this coding relies on.")
    published_on = models.DateField(null=True, blank=True)
    accessed_on = models.DateField(null=True, blank=True)
    archive_url = models.URLField(blank=True, max_length=1000)
    field = models.CharField("supports", max_length=20, choices=CitationField.choices, blank=True, default="")
    reported_fatalities = models.IntegerField(
        null=True, blank=True, help_text="What this source says, when sources disagree."
    )
    # Set on the citations an import made from a file's source columns (the import that made it):
    # a later import compares and replaces those, and never touches a curator's own (blank here).
    import_batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="citations",
        editable=False,
    )

    # Read by the row's id and by its event's (events.history); not by source or batch.
    history = HistoricalRecords(no_db_index=["source", "import_batch"])

    class Meta:
        ordering = ["event", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_fatalities__isnull=True) | Q(reported_fatalities__gte=0),
                name="citation_reported_fatalities_not_negative",
                violation_error_message="Reported fatalities cannot be negative.",
            ),
        ]
        indexes = [models.Index(fields=["source", "event"], name="citation_source_event_idx")]

    def __str__(self) -> str:
        return f"{self.source} on {self.event.event_id}"


class Tombstone(models.Model):
    """What remains public of a retracted or deleted event: its id, when, and why."""

    event_id = models.CharField(max_length=30, unique=True)
    removed_at = models.DateTimeField()
    reason = models.CharField(max_length=20, choices=RetractionReason.choices)
    deleted = models.BooleanField(default=False, help_text="Deleted rather than retracted.")
    merged_into = models.CharField(
        max_length=30, blank=True, help_text="The event_id of the event this one was merged into."
    )

    class Meta:
        ordering = ["removed_at", "id"]
        indexes = [models.Index(fields=["removed_at", "id"], name="tombstone_removed_idx")]

    def __str__(self) -> str:
        return f"{self.event_id} removed {self.removed_at:%Y-%m-%d}"


class DuplicateDecision(models.Model):
    """A curator's "these two events are not duplicates", for one unordered pair.

    It holds while both events keep the date, place and type they had when it was taken
    (`*_key`, see events.duplicates.decision_key); a change to either drops it.
    """

    # Indexed by duplicate_decision_unique_pair, which leads with it.
    event_a = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+", db_index=False)
    event_b = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+", db_index=False)
    a_key = models.CharField(max_length=100)
    b_key = models.CharField(max_length=100)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "not-a-duplicate decision"
        constraints = [
            # The pair is stored lower id first, so (a, b) and (b, a) are one row.
            models.CheckConstraint(condition=Q(event_a__lt=F("event_b")), name="duplicate_decision_ordered"),
            models.UniqueConstraint(fields=["event_a", "event_b"], name="duplicate_decision_unique_pair"),
        ]
        indexes = [models.Index(fields=["event_b"], name="duplicate_decision_b_idx")]

    def __str__(self) -> str:
        return f"{self.event_a_id} ≠ {self.event_b_id}"


def exports_storage():
    """The storage export files land in (settings.EXPORTS_STORAGE, an alias under STORAGES)."""
    return storages[settings.EXPORTS_STORAGE]


def export_format_choices() -> list[tuple[str, str]]:
    """The export formats (migration 0006 names this function)."""
    return ExportFileFormat.choices


class ExportJob(models.Model):
    """An export run in the background (or inline without a broker): its filters, progress and file.

    Only its creator, or a superuser, may see it or download its file.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=20, choices=export_format_choices)
    params = models.JSONField(
        "filters", default=dict, blank=True, help_text="The API's event filters, by parameter name."
    )
    escape = models.BooleanField(
        "escape formulas", default=True, help_text="Prefix text cells starting with = + - @ with '."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    rows_done = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(null=True, blank=True)
    file = models.FileField(storage=exports_storage, upload_to="exports/%Y/%m/", max_length=500, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "state"], name="exportjob_owner_state_idx")]

    def __str__(self) -> str:
        return f"{self.format} export #{self.pk} ({self.get_state_display()})"


class RollupRow(models.Model):
    """What every rollup row holds besides its key (events/rollups.py)."""

    status = models.CharField(max_length=10, choices=Status.choices)
    events = models.IntegerField()
    fatalities = models.BigIntegerField()
    first_date = models.DateField()
    last_date = models.DateField()

    class Meta:
        abstract = True


class CountryKey(models.Model):
    country_code = models.CharField(max_length=3)
    country_name = models.CharField(max_length=200)

    class Meta:
        abstract = True


class TypeKey(models.Model):
    event_type = models.CharField(max_length=40)
    sub_event_type = models.CharField(max_length=50)
    disorder_type = models.CharField(max_length=40)

    class Meta:
        abstract = True


def _rollup_key(name: str, *fields: str) -> list:
    return [models.UniqueConstraint(fields=list(fields), name=name)]


class MonthlyRollup(CountryKey, TypeKey, RollupRow):
    """Events and fatalities per country, month of event_date, status and type: a copy of the
    events' own GROUP BY that the aggregates read when a request is answerable from it.

    Kept exact on PostgreSQL by statement-level triggers on events and places (events/rollups.py),
    in the transaction of every write, whatever writes (services, COPY, bulk updates, deletes).
    Empty on SQLite, where the aggregates always read events. Never written by Django. The
    coarser rollups below answer the commonest requests from fewer rows.
    """

    month = models.DateField()

    class Meta:
        verbose_name = "monthly rollup row"
        constraints = _rollup_key(
            "monthly_rollup_key",
            "country_code",
            "country_name",
            "month",
            "status",
            "event_type",
            "sub_event_type",
            "disorder_type",
        )

    def __str__(self) -> str:
        return (
            f"{self.country_code} {self.month:%Y-%m} {self.status} {self.sub_event_type or self.event_type}"
        )


class CountryMonthRollup(CountryKey, RollupRow):
    """Events per country, month and status, every type together (country × month dashboards)."""

    month = models.DateField()

    class Meta:
        verbose_name = "country-month rollup row"
        constraints = _rollup_key(
            "country_month_rollup_key", "country_code", "country_name", "month", "status"
        )
        # Country × month of one status, whose rows are the answer's groups, read from the index
        # alone in the answer's order (country name, code, month): no grouping, no sort
        # (docs/benchmarks.md, "Aggregates").
        indexes = [
            models.Index(
                fields=["status", "country_name", "country_code", "month"],
                include=["events", "fatalities", "first_date", "last_date"],
                name="country_month_rollup_order_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.country_code} {self.month:%Y-%m} {self.status}"


class TypeMonthRollup(TypeKey, RollupRow):
    """Events per type, month and status, every country together (type × period over everything)."""

    month = models.DateField()

    class Meta:
        verbose_name = "type-month rollup row"
        constraints = _rollup_key(
            "type_month_rollup_key", "month", "status", "event_type", "sub_event_type", "disorder_type"
        )

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.status} {self.sub_event_type or self.event_type}"


class Admin1Rollup(CountryKey, TypeKey, RollupRow):
    """Events and fatalities per country, first-level division, status and type, all dates
    together: what the explorer's map and admin1 table read when no date filter is set.
    `admin1_id` is the place id of the division, 0 for events in none (an id, not a foreign key:
    the places' own paths say which it is)."""

    admin1_id = models.BigIntegerField()

    class Meta:
        verbose_name = "admin1 rollup row"
        constraints = _rollup_key(
            "admin1_rollup_key",
            "country_code",
            "country_name",
            "admin1_id",
            "status",
            "event_type",
            "sub_event_type",
            "disorder_type",
        )

    def __str__(self) -> str:
        kind = self.sub_event_type or self.event_type
        return f"{self.country_code} admin1 {self.admin1_id} {self.status} {kind}"
