"""What the ACLED-compatible API tests share: the URL, the order of the small world's published
events, and readers of ACLED's envelope and errors."""

import csv
import datetime as dt
import io
import json

from django.test import Client
from rest_framework.authtoken.models import Token

from tests.api_helpers import UTC

URL = "/api/acled/read"
ORDER = ["protest", "airstrike", "battle", "regain"]  # published, newest event_date first


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read(url: str, client: Client | None = None, **headers):
    """GET a URL; the parsed JSON body (asserting a 200 and ACLED's envelope)."""
    response = (client or Client()).get(url, headers=headers)
    payload = json.loads(body(response))
    assert response.status_code == 200, payload
    assert list(payload)[:4] == ["status", "success", "last_update", "count"], payload
    assert payload["status"] == 200 and payload["success"] is True and payload["messages"] == []
    assert payload["count"] == len(payload["data"])
    return payload


def read_csv(url: str, client: Client | None = None) -> list[dict]:
    response = (client or Client()).get(url)
    assert response.status_code == 200, body(response)
    assert response.streaming
    return list(csv.DictReader(io.StringIO(body(response).decode())))


def names(world, rows: list[dict]) -> list[str]:
    by_id = {event.event_id: name for name, event in world.events.items()}
    return [by_id[row["event_id_cnty"]] for row in rows]


def error(response, status: int) -> str:
    """The message of an ACLED-style error (asserting its shape and HTTP status)."""
    payload = json.loads(body(response))
    assert response.status_code == status, payload
    assert payload == {
        "status": status,
        "success": False,
        "error": {"status": status, "message": payload["error"]["message"]},
    }
    return payload["error"]["message"]


def credentials(user) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return f"key={token.key}&email={user.email}"


def unix(year: int, month: int, day: int) -> int:
    return int(dt.datetime(year, month, day, tzinfo=UTC).timestamp())
