"""Places: a hierarchy country > admin1 > admin2 > admin3 > locality > site."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.vocab import GeoPrecision


class PlaceKind(models.TextChoices):
    COUNTRY = "country", "Country"
    ADMIN1 = "admin1", "Admin 1 (province, governorate)"
    ADMIN2 = "admin2", "Admin 2 (district)"
    ADMIN3 = "admin3", "Admin 3 (sub-district)"
    LOCALITY = "locality", "Locality (town, village)"
    SITE = "site", "Site (building, landmark)"


# Depth of each kind: a child's kind must rank strictly below its parent's.
KIND_RANK = {kind: rank for rank, kind in enumerate(PlaceKind.values)}

# Which denormalised hierarchy column a place of each kind fills for itself and its subtree.
_LABEL_FIELD = {
    PlaceKind.COUNTRY: "country_name",
    PlaceKind.ADMIN1: "admin1",
    PlaceKind.ADMIN2: "admin2",
    PlaceKind.ADMIN3: "admin3",
}
LABEL_FIELDS = ("country_name", "admin1", "admin2", "admin3")


class PlaceQuerySet(models.QuerySet):
    def subtree(self, place: "Place") -> "PlaceQuerySet":
        """This place and everything under it: one indexed prefix query on the path."""
        return self.filter(path__startswith=place.path)

    def countries(self) -> "PlaceQuerySet":
        return self.filter(kind=PlaceKind.COUNTRY)


class Place(models.Model):
    """A named place; its materialised `path` makes subtree queries one indexed LIKE."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=PlaceKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    country_code = models.CharField(
        "country (ISO alpha-3)",
        max_length=3,
        blank=True,
        help_text="Inherited from the parent; set it on countries.",
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    geo_precision = models.PositiveSmallIntegerField(
        choices=GeoPrecision.choices,
        default=GeoPrecision.EXACT,
        help_text="Default for events coded here; each event keeps its own.",
    )
    geonames_id = models.PositiveIntegerField(null=True, blank=True)
    aliases = models.TextField(blank=True, help_text="Other names, one per line (merged places' names).")
    # Derived on save: "/<root id>/…/<own id>/" and the names of the admin levels above.
    path = models.CharField(max_length=255, editable=False, default="", db_index=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    country_name = models.CharField(max_length=200, editable=False, blank=True)
    admin1 = models.CharField(max_length=200, editable=False, blank=True)
    admin2 = models.CharField(max_length=200, editable=False, blank=True)
    admin3 = models.CharField(max_length=200, editable=False, blank=True)

    history = HistoricalRecords()
    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name", "kind"],
                name="place_unique_name_kind_per_parent",
            ),
            # Roots have parent NULL, which a plain unique constraint treats as distinct.
            models.UniqueConstraint(
                fields=["name", "kind"],
                condition=Q(parent__isnull=True),
                name="place_unique_root_name_kind",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="place_latitude_range",
                violation_error_message="Latitude must be between -90 and 90.",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="place_longitude_range",
                violation_error_message="Longitude must be between -180 and 180.",
            ),
        ]
        indexes = [
            models.Index(fields=["path"], name="place_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["country_code", "kind"], name="place_country_kind_idx"),
            models.Index(fields=["name"], name="place_name_idx"),
            # Places within a few km of a point (likely duplicates, events.duplicates): a band of
            # latitude, the longitude then checked on the band's rows.
            models.Index(fields=["latitude"], name="place_latitude_idx"),
        ]

    def __str__(self) -> str:
        above = [n for n in (self.admin1, self.country_name) if n and n != self.name]
        return ", ".join([self.name, *above[:2]])

    def clean(self) -> None:
        if self.parent_id is None:
            return
        parent = self.parent
        if KIND_RANK[self.kind] <= KIND_RANK[parent.kind]:
            raise ValidationError(
                {
                    "kind": f"A place of kind “{self.get_kind_display()}” cannot sit under one of "
                    f"kind “{parent.get_kind_display()}”; choose a parent of a higher level."
                }
            )
        if self.pk and parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": "A place cannot sit under itself."})

    def _derive_from_parent(self) -> None:
        parent = self.parent
        if parent is not None:
            self.country_code = parent.country_code or self.country_code
            for field in LABEL_FIELDS:
                setattr(self, field, getattr(parent, field))
            self.depth = parent.depth + 1
        else:
            for field in LABEL_FIELDS:
                setattr(self, field, "")
            self.depth = 0
        own = _LABEL_FIELD.get(self.kind)
        if own:
            setattr(self, own, self.name)
        self.country_code = self.country_code.upper()

    def save(self, *args, **kwargs) -> None:
        self._derive_from_parent()
        inherited = ("name", "parent_id", "country_code")
        before = Place.objects.filter(pk=self.pk).values(*inherited).first() if self.pk else None
        with transaction.atomic():
            super().save(*args, **kwargs)
            # The path needs the primary key, so a new place is written twice.
            new_path = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
            if new_path != self.path:
                self.path = new_path
                Place.objects.filter(pk=self.pk).update(path=new_path)
            if before and before != {f: getattr(self, f) for f in inherited}:
                self._refresh_descendants()

    def _refresh_descendants(self) -> None:
        """Re-derive path and labels below a moved or renamed place, one level per query."""
        level = [self]
        while level:
            parents = {place.pk: place for place in level}
            children = list(Place.objects.filter(parent__in=list(parents)))
            for child in children:
                child.parent = parents[child.parent_id]
                child._derive_from_parent()
                child.path = f"{child.parent.path}{child.pk}/"
            Place.objects.bulk_update(children, ["path", "depth", "country_code", *LABEL_FIELDS])
            level = children

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    @property
    def autocomplete_label(self) -> str:
        """The name, the kind and the admin levels above it: "Homs (admin2) — Syria › Homs"."""
        own = _LABEL_FIELD.get(self.kind)
        levels = LABEL_FIELDS[: LABEL_FIELDS.index(own)] if own else LABEL_FIELDS
        above = [getattr(self, field) for field in levels if getattr(self, field)]
        label = f"{self.name} ({self.kind})"
        return f"{label} — {' › '.join(above)}" if above else label

    @property
    def hierarchy(self) -> list[str]:
        """The admin levels above this place (country, admin1–3) and the place itself."""
        names = [getattr(self, field) for field in LABEL_FIELDS if getattr(self, field)]
        if self.kind not in _LABEL_FIELD:
            names.append(self.name)
        return names
