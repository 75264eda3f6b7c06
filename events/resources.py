"""django-import-export resources for the admin's import and export screens.

Foreign keys travel by natural key, never by id: a place as its path of names
("Syria > Homs > Tadmor > Palmyra"), actors and sources by name. The admin import has
import-export's preview (a dry run in a rolled-back transaction) before anything is written;
each run, the preview included, is recorded as an ImportBatch with its row-level errors.

These resources serve people working through the admin, a few hundred rows at a time. Bulk
files go through `import_acled` / `import_ucdp`, and bulk exports through events.exports.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from import_export import fields, resources, widgets

from actors.models import Actor
from core.vocab import ActorRole, InterCode, Status, parse_inter
from events import rules
from events.acled import ACLED_ACTOR_SEPARATOR, ACLED_SOURCE_SEPARATOR
from events.exports.columns import escape_formula, unescape_formula
from events.models import CLEAN_EXCLUDE, Citation, Event, EventActor, ImportBatch, Source
from events.rules import Action
from events.services import event_assign_id, event_sync_interaction
from places.models import KIND_RANK, Place

logger = logging.getLogger(__name__)

PATH_SEPARATOR = " > "
MAIN_ROLES = (ActorRole.ACTOR1, ActorRole.ACTOR2)


class PlacePathWidget(widgets.ForeignKeyWidget):
    """A place as the names from its country down ("Syria > Homs > Tadmor > Palmyra").

    Matched level by level under the parent, never by a bare name; a country may also be
    given by its ISO code. Unknown places are an error: places are curated reference data.
    """

    def __init__(self) -> None:
        super().__init__(Place)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None
        names = [part.strip() for part in text.replace("›", ">").split(">") if part.strip()]
        country = (
            Place.objects.filter(parent__isnull=True, name__iexact=names[0]).first()
            or Place.objects.filter(parent__isnull=True, country_code__iexact=names[0]).first()
        )
        if country is None:
            raise ValueError(f"No country {names[0]!r}.")
        place = country
        for name in names[1:]:
            children = sorted(
                Place.objects.filter(parent=place, name=name), key=lambda child: KIND_RANK[child.kind]
            )
            if not children:
                raise ValueError(f"No place {name!r} under {PATH_SEPARATOR.join(place.hierarchy)!r}.")
            place = children[0]
        return place

    def render(self, value, obj=None, **kwargs):
        return PATH_SEPARATOR.join(value.hierarchy) if value else ""


class NameWidget(widgets.ForeignKeyWidget):
    """A foreign key by its unique name; an unknown name is an error naming it."""

    def __init__(self, model) -> None:
        super().__init__(model, field="name")

    def clean(self, value, row=None, **kwargs):
        name = str(value or "").strip()
        if not name:
            return None
        try:
            return self.model.objects.get(name=name)
        except self.model.DoesNotExist:
            raise ValueError(f"No {self.model._meta.verbose_name} named {name!r}.") from None


def _names(text: Any, separator: str = ";") -> list[str]:
    names: list[str] = []
    for part in str(text or "").split(separator):
        name = part.strip()
        if name and name not in names:
            names.append(name)
    return names


class RulesResourceMixin:
    """Each imported row is an add or a change by the importing user, checked by events.rules; a
    refused row is an invalid row, named in the preview and the ImportBatch report."""

    def after_init_instance(self, instance, new, row, **kwargs) -> None:
        super().after_init_instance(instance, new, row, **kwargs)
        user = kwargs.get("user")
        action = Action.ADD if new else Action.CHANGE
        if user is not None and user.is_authenticated:
            reason = rules.refusal(user, action, instance)
        else:  # a system import (no request): the state rules still hold
            reason = rules.state_refusal(action, instance)
        if reason:
            column = self._meta.import_id_fields[0]
            raise ValidationError({column: reason})


class SpreadsheetResource(resources.ModelResource):
    """A resource whose text cells leave formula-escaped and come back unescaped.

    The same rule as every other export (events.exports.columns.escape_formula): text cells only,
    so a negative coordinate or count stays a number; the import undoes it as the ACLED importer does.
    """

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and not isinstance(field.widget, widgets.NumberWidget):
            return escape_formula(value)
        return value

    def import_row(self, row, instance_loader, **kwargs):
        for column, value in row.items():
            if isinstance(value, str):
                row[column] = unescape_formula(value)
        return super().import_row(row, instance_loader, **kwargs)

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        result = super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)
        if not settings.DEBUG:
            # The import screen prints each error's traceback (server paths, code): it goes to the
            # log instead, and the page keeps the message.
            errors = [*result.base_errors, *(error for row in result.error_rows for error in row.errors)]
            if errors:
                first = errors[0]
                logger.error(
                    "Admin import of %s: %d errors, the first: %s\n%s",
                    self._meta.model.__name__, len(errors), first.error, first.traceback,
                )  # fmt: skip
            for error in errors:
                error.traceback = ""
        return result


class EventResource(RulesResourceMixin, SpreadsheetResource):
    """Events as one row each: the pair, the place path, actors and sources by name."""

    event_id = fields.Field(attribute="event_id", column_name="event_id")
    place = fields.Field(attribute="place", column_name="place", widget=PlacePathWidget())
    actor1 = fields.Field(column_name="actor1")
    assoc_actor_1 = fields.Field(column_name="assoc_actor_1")
    inter1 = fields.Field(column_name="inter1")
    actor2 = fields.Field(column_name="actor2")
    assoc_actor_2 = fields.Field(column_name="assoc_actor_2")
    inter2 = fields.Field(column_name="inter2")
    sources = fields.Field(column_name="sources")
    status = fields.Field(attribute="status", column_name="status", readonly=True)

    class Meta:
        model = Event
        import_id_fields = ["event_id"]
        fields = (
            "event_id",
            "event_date",
            "end_date",
            "time_precision",
            "event_type",
            "sub_event_type",
            "fatalities",
            "civilian_targeting",
            "place",
            "geo_precision",
            "actor1",
            "assoc_actor_1",
            "inter1",
            "actor2",
            "assoc_actor_2",
            "inter2",
            "sources",
            "source_scale",
            "notes",
            "tags",
            "status",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    # -- export --------------------------------------------------------------------------------

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        # Actors and sources come from prefetched rows: a constant number of queries.
        return queryset.with_related()

    def _role(self, event: Event, role: str) -> list:
        return [item for item in event.event_actors.all() if item.role == role]

    def dehydrate_actor1(self, event: Event) -> str:
        return ACLED_ACTOR_SEPARATOR.join(item.actor.name for item in self._role(event, ActorRole.ACTOR1))

    def dehydrate_assoc_actor_1(self, event: Event) -> str:
        return ACLED_ACTOR_SEPARATOR.join(
            item.actor.name for item in self._role(event, ActorRole.ASSOC_ACTOR_1)
        )

    def dehydrate_actor2(self, event: Event) -> str:
        return ACLED_ACTOR_SEPARATOR.join(item.actor.name for item in self._role(event, ActorRole.ACTOR2))

    def dehydrate_assoc_actor_2(self, event: Event) -> str:
        return ACLED_ACTOR_SEPARATOR.join(
            item.actor.name for item in self._role(event, ActorRole.ASSOC_ACTOR_2)
        )

    def dehydrate_inter1(self, event: Event) -> str:
        main = self._role(event, ActorRole.ACTOR1)
        return str(main[0].inter or "") if main else ""

    def dehydrate_inter2(self, event: Event) -> str:
        main = self._role(event, ActorRole.ACTOR2)
        return str(main[0].inter or "") if main else ""

    def dehydrate_sources(self, event: Event) -> str:
        names = dict.fromkeys(citation.source.name for citation in event.citations.all())
        return ACLED_SOURCE_SEPARATOR.join(names)

    # -- import --------------------------------------------------------------------------------

    def before_import_row(self, row, **kwargs) -> None:
        row["event_id"] = str(row.get("event_id") or "").strip()

    def import_instance(self, instance: Event, row, **kwargs) -> None:
        errors: dict[str, list[str]] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        instance._import_actors = self._actors_from_row(row, errors)
        instance._import_sources = self._sources_from_row(row, errors)
        if errors:
            raise ValidationError(errors)

    def _actors_from_row(self, row, errors: dict) -> list[tuple[Actor, str, int | None, int]] | None:
        if not any(column in row for column in ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2")):
            return None  # the file does not speak of actors: leave them as they are
        wanted: list[tuple[str, str, str, int | None, int]] = []
        for role, assoc_role, name_column, assoc_column, inter_column in (
            (ActorRole.ACTOR1, ActorRole.ASSOC_ACTOR_1, "actor1", "assoc_actor_1", "inter1"),
            (ActorRole.ACTOR2, ActorRole.ASSOC_ACTOR_2, "actor2", "assoc_actor_2", "inter2"),
        ):
            try:
                inter = parse_inter(row.get(inter_column))
            except ValueError as exc:
                errors.setdefault(inter_column, []).append(str(exc))
                inter = None
            main = _names(row.get(name_column))
            if len(main) > 1:
                errors.setdefault(name_column, []).append("One actor only; associates go in " + assoc_column)
            wanted += [(name_column, role, name, inter, 0) for name in main[:1]]
            wanted += [
                (assoc_column, assoc_role, name, None, position)
                for position, name in enumerate(_names(row.get(assoc_column)))
            ]
        known = {actor.name: actor for actor in Actor.objects.filter(name__in=[w[2] for w in wanted])}
        actors = []
        for column, role, name, inter, position in wanted:
            if name not in known:
                errors.setdefault(column, []).append(f"No actor named {name!r}; create it first.")
            else:
                actors.append((known[name], role, inter, position))
        return actors

    def _sources_from_row(self, row, errors: dict) -> list[Source] | None:
        if "sources" not in row:
            return None
        names = _names(row.get("sources"))
        known = {source.name: source for source in Source.objects.filter(name__in=names)}
        for name in names:
            if name not in known:
                errors.setdefault("sources", []).append(f"No source named {name!r}; create it first.")
        return [known[name] for name in names if name in known]

    def skip_row(self, instance, original, row, import_validation_errors=None) -> bool:
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        # Unchanged columns; the actors and sources may still differ from what is stored.
        actors = getattr(instance, "_import_actors", None)
        if actors is not None:
            stored_main, stored_assoc = set(), set()
            for actor_id, role, inter in EventActor.objects.filter(event=original).values_list(
                "actor_id", "role", "inter"
            ):
                if role in MAIN_ROLES:
                    stored_main.add((actor_id, role, inter))
                else:
                    stored_assoc.add((actor_id, role))
            wanted_main = {
                (actor.pk, role, inter or actor.kind)
                for actor, role, inter, _ in actors
                if role in MAIN_ROLES
            }
            wanted_assoc = {(actor.pk, role) for actor, role, _, _ in actors if role not in MAIN_ROLES}
            if (stored_main, stored_assoc) != (wanted_main, wanted_assoc):
                return False
        sources = getattr(instance, "_import_sources", None)
        if sources is not None:
            cited = set(Citation.objects.filter(event=original).values_list("source_id", flat=True))
            if not {source.pk for source in sources} <= cited:
                return False
        return True

    def before_save_instance(self, instance: Event, row, **kwargs) -> None:
        user = kwargs.get("user")
        user = user if user is not None and user.is_authenticated else None
        if instance.pk is None:
            instance.status = Status.DRAFT
            instance.created_by = user
            instance.version = 1
            event_assign_id(event=instance)
        else:
            instance.version += 1
        instance.updated_by = user
        instance.full_clean(exclude=CLEAN_EXCLUDE)

    def after_save_instance(self, instance: Event, row, **kwargs) -> None:
        actors = getattr(instance, "_import_actors", None)
        if actors is not None:
            keep = {(actor.pk, role) for actor, role, _, _ in actors}
            for item in EventActor.objects.filter(event=instance):
                if (item.actor_id, item.role) not in keep:
                    item.delete()
            for actor, role, inter, position in actors:
                EventActor.objects.update_or_create(
                    event=instance,
                    actor=actor,
                    role=role,
                    defaults={"inter": inter or actor.kind, "position": position},
                )
            event_sync_interaction(event=instance)
        sources = getattr(instance, "_import_sources", None)
        if sources:
            cited = set(Citation.objects.filter(event=instance).values_list("source_id", flat=True))
            for source in sources:
                if source.pk not in cited:
                    Citation.objects.create(event=instance, source=source)

    # -- the run as an ImportBatch -------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        result = super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)
        user = kwargs.get("user")
        record_admin_import(
            dataset=dataset,
            result=result,
            dry_run=dry_run,
            file_name=kwargs.get("file_name") or "admin import",
            user=user if user is not None and user.is_authenticated else None,
        )
        return result


def record_admin_import(*, dataset, result, dry_run: bool, file_name: str, user) -> ImportBatch:
    """An ImportBatch for an admin import (or its preview): counts and row-level errors.

    Row numbers are file lines: the header is line 1, the first data row line 2.
    """
    errors = [
        {"row": 0, "column": "", "value": "", "reason": str(error.error)} for error in result.base_errors
    ]
    for error_row in result.error_rows:
        for error in error_row.errors:
            errors.append(
                {"row": error_row.number + 1, "column": "", "value": "", "reason": str(error.error)}
            )
    for invalid in result.invalid_rows:
        values = dict(zip(result.diff_headers, invalid.values, strict=False))
        for column, messages in invalid.error_dict.items():
            value = values.get(column)
            for message in messages:
                errors.append(
                    {
                        "row": invalid.number + 1,
                        "column": "" if column == "__all__" else column,
                        "value": "" if value in (None, "---") else str(value),
                        "reason": str(message),
                    }
                )
    totals = result.totals
    failed = result.has_errors() or (result.has_validation_errors() and not dry_run)
    if dry_run:
        state = ImportBatch.State.DRY_RUN
    elif failed:
        state = ImportBatch.State.FAILED
    else:
        state = ImportBatch.State.COMMITTED
    text = dataset.export("csv") if dataset.headers else ""
    return ImportBatch.objects.create(
        created_by=user,
        file_name=str(file_name)[:500],
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        format=ImportBatch.Format.ADMIN,
        state=state,
        rows=result.total_rows,
        created=totals.get("new", 0),
        updated=totals.get("update", 0),
        unchanged=totals.get("skip", 0),
        skipped=totals.get("invalid", 0) + totals.get("error", 0),
        errors=sorted(errors, key=lambda error: (error["row"], error["column"])),
        finished_at=timezone.now(),
    )


class SourceResource(RulesResourceMixin, SpreadsheetResource):
    """Sources by name (their natural key)."""

    class Meta:
        model = Source
        import_id_fields = ["name"]
        fields = ("name", "kind", "scale", "url", "country")
        skip_unchanged = True


class ActorResource(RulesResourceMixin, SpreadsheetResource):
    """Actors by name; the parent force by name too."""

    parent = fields.Field(attribute="parent", column_name="parent", widget=NameWidget(Actor))

    class Meta:
        model = Actor
        import_id_fields = ["name"]
        fields = ("name", "kind", "country", "aliases", "parent", "description", "active_from", "active_to")
        skip_unchanged = True

    def dehydrate_kind(self, actor: Actor) -> str:
        return str(InterCode(actor.kind).label) if actor.kind else ""

    def before_import_row(self, row, **kwargs) -> None:
        if "kind" in row and row["kind"] not in (None, ""):
            try:
                row["kind"] = parse_inter(row["kind"])
            except ValueError as exc:
                raise ValidationError({"kind": str(exc)}) from None


class PlaceResource(RulesResourceMixin, SpreadsheetResource):
    """Places with their parent as a path of names; matched on (parent, name, kind)."""

    parent = fields.Field(attribute="parent", column_name="parent", widget=PlacePathWidget())

    class Meta:
        model = Place
        import_id_fields = ["parent", "name", "kind"]
        fields = (
            "name",
            "kind",
            "parent",
            "country_code",
            "latitude",
            "longitude",
            "geo_precision",
            "geonames_id",
        )
        skip_unchanged = True
