"""Actors (ACLED's actor1/actor2 and their associates) and the relations between them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.textcheck import name_problem
from core.vocab import ActorRelationKind, InterCode


class ActorQuerySet(models.QuerySet):
    def search(self, text: str) -> "ActorQuerySet":
        """Actors whose name or any alias contains `text` (case-insensitive)."""
        return self.filter(Q(name__icontains=text) | Q(aliases__icontains=text))


class Actor(models.Model):
    """An armed group, state force, protest movement or other party to events."""

    name = models.CharField(
        max_length=255, unique=True, help_text="As ACLED spells it, e.g. “Islamic State (Syria)”."
    )
    kind = models.PositiveSmallIntegerField(
        "inter code", choices=InterCode.choices, help_text="ACLED's inter code for this actor."
    )
    country = models.CharField(
        "country (ISO alpha-3)", max_length=3, blank=True, help_text="Blank for international actors."
    )
    aliases = models.TextField(blank=True, help_text="Other names, one per line; searchable.")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
        help_text="The larger force this actor is a unit of.",
    )
    description = models.TextField(blank=True)
    active_from = models.DateField(null=True, blank=True)
    active_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ActorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__gte=1, kind__lte=8), name="actor_kind_is_inter_code"),
            models.CheckConstraint(
                condition=Q(active_from__isnull=True)
                | Q(active_to__isnull=True)
                | Q(active_to__gte=F("active_from")),
                name="actor_active_period_ordered",
                violation_error_message="“Active to” cannot be before “active from”.",
            ),
        ]
        indexes = [models.Index(fields=["kind", "country"], name="actor_kind_country_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # A look-alike name would pass for another actor (core/textcheck.py).
        if problem := name_problem(self.name or ""):
            raise ValidationError({"name": problem})

    def save(self, *args, **kwargs) -> None:
        self.country = self.country.upper()
        super().save(*args, **kwargs)

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class ActorRelation(models.Model):
    """A typed link between two actors (member of, allied with, backed by, splinter of)."""

    subject = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="relations")
    object = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="inverse_relations")
    kind = models.CharField(max_length=20, choices=ActorRelationKind.choices)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    citation = models.ForeignKey(
        "events.Citation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["subject__name", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "object", "kind"],
                name="actor_relation_unique",
                violation_error_message="This relation is already recorded.",
            ),
            models.CheckConstraint(
                condition=~Q(subject=F("object")),
                name="actor_relation_not_self",
                violation_error_message="An actor cannot be related to itself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} — {self.get_kind_display().lower()} — {self.object}"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date cannot be before the start date."})
