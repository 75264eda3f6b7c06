"""GeoJSON export: a FeatureCollection of points, streamed feature by feature."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from django.db.models import QuerySet

from events.exports.columns import CHRONICLE_COLUMNS
from events.exports.query import export_rows

FEATURES_PER_CHUNK = 200
_PROPERTIES = tuple(column for column in CHRONICLE_COLUMNS if column.name not in ("latitude", "longitude"))


def _json_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def geojson_chunks(queryset: QuerySet) -> Iterator[str]:
    """RFC 7946 FeatureCollection text; an event whose place has no coordinates has a null geometry."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    yield '{"type":"FeatureCollection","features":[\n'
    pieces: list[str] = []
    first = True
    for row in export_rows(queryset):
        geometry = (
            {"type": "Point", "coordinates": [row.longitude, row.latitude]}
            if row.latitude is not None and row.longitude is not None
            else None
        )
        feature = {
            "type": "Feature",
            "id": row.event_id,
            "geometry": geometry,
            "properties": {column.name: _json_value(column.get(row)) for column in _PROPERTIES},
        }
        pieces.append(("" if first else ",\n") + dumps(feature))
        first = False
        if len(pieces) >= FEATURES_PER_CHUNK:
            yield "".join(pieces)
            pieces = []
    if pieces:
        yield "".join(pieces)
    yield "\n]}\n"
