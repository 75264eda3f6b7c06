"""A Frictionless Data package: events.csv and datapackage.json (schema, codebook, vocabularies).

Written to a directory, or to a .zip when the target ends in .zip.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from django.db.models import QuerySet
from django.utils import timezone

from core.vocab import (
    EVENT_TAXONOMY,
    GeoPrecision,
    InterCode,
    TimePrecision,
)
from events.exports.columns import CHRONICLE_COLUMNS
from events.exports.tabular import csv_chunks

PACKAGE_NAME = "chronicle-events"


def descriptor(*, count: int | None = None) -> dict:
    """datapackage.json: one tabular resource with a Table Schema, and the vocabularies."""
    fields = []
    for column in CHRONICLE_COLUMNS:
        field = {"name": column.name, "type": column.type, "description": column.description}
        if column.type == "date":
            field["format"] = "%Y-%m-%d"
        elif column.type == "datetime":
            field["format"] = "%Y-%m-%dT%H:%M:%SZ"
        elif column.type == "boolean":
            field["trueValues"], field["falseValues"] = ["true"], ["false"]
        constraints = {}
        if column.required:
            constraints["required"] = True
        if column.minimum is not None:
            constraints["minimum"] = column.minimum
        if column.enum:
            constraints["enum"] = [value for value in column.enum if value != ""]
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    fields_by_name = {field["name"]: field for field in fields}
    fields_by_name["event_id"].setdefault("constraints", {})["unique"] = True
    return {
        "name": PACKAGE_NAME,
        "title": "Chronicle: events of political violence and protest",
        "description": (
            "Events coded in ACLED's vocabulary: one row per event with its actors, place, "
            "fatalities and sources. Multiple actors and sources are separated by '; '."
        ),
        "created": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": [
            {
                "name": "events",
                "path": "events.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
                "schema": {"fields": fields, "primaryKey": ["event_id"], "missingValues": [""]},
                **({"stats": {"rows": count}} if count is not None else {}),
            }
        ],
        "vocabularies": {
            "event_types": {
                str(event_type): {str(sub): str(disorder) for sub, disorder in subs.items()}
                for event_type, subs in EVENT_TAXONOMY.items()
            },
            "inter_codes": {str(value): str(label) for value, label in InterCode.choices},
            "time_precision": {str(value): str(label) for value, label in TimePrecision.choices},
            "geo_precision": {str(value): str(label) for value, label in GeoPrecision.choices},
        },
    }


def write_datapackage(target: str | Path, queryset: QuerySet, *, escape: bool = True) -> int:
    """Write events.csv and datapackage.json into a directory, or a .zip; returns the row count."""
    target = Path(target)
    if target.suffix.lower() == ".zip":
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            with archive.open("events.csv", "w") as raw:
                count = _write_csv(raw, queryset, escape=escape)
            archive.writestr(
                "datapackage.json", json.dumps(descriptor(count=count), indent=2, ensure_ascii=False)
            )
        return count
    target.mkdir(parents=True, exist_ok=True)
    with (target / "events.csv").open("wb") as raw:
        count = _write_csv(raw, queryset, escape=escape)
    (target / "datapackage.json").write_text(
        json.dumps(descriptor(count=count), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return count


def _write_csv(handle, queryset: QuerySet, *, escape: bool) -> int:
    stats: dict = {}
    for chunk in csv_chunks(queryset, flavour="csv", escape=escape, stats=stats):
        handle.write(chunk)
    return stats["rows"]
