"""The read-replica router: API and export reads go to `replica`, writes and the admin do not.

Tested in a subprocess whose settings carry a second connection alias (DATABASE_REPLICA_URL)
pointing at the same PostgreSQL test database, as a streaming replica would.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from events.services import event_publish
from tests.factories import EventFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, django
django.setup()
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from config.routers import reads_from_replica
from events.models import Event

def count(fn):
    with CaptureQueriesContext(connections["default"]) as primary, \
         CaptureQueriesContext(connections["replica"]) as replica:
        fn()
    return {"default": len(primary.captured_queries), "replica": len(replica.captured_queries)}

result = {}
result["api_list"] = count(lambda: Client().get("/api/v1/events/"))
result["plain_orm"] = count(lambda: list(Event.objects.all()))
def in_block():
    with reads_from_replica():
        list(Event.objects.all())
result["export_block"] = count(in_block)
def in_transaction():
    with reads_from_replica(), transaction.atomic():
        list(Event.objects.all())
result["inside_transaction"] = count(in_transaction)
response = Client().get("/api/v1/events/")
result["api_status"] = response.status_code
result["api_ids"] = sorted(e["event_id"] for e in response.json()["results"])
print(json.dumps(result))
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_api_reads_go_to_the_replica_and_writes_stay_on_the_primary():
    reviewer = UserFactory(username="replica-reviewer", role="Reviewer")
    event = EventFactory(complete=True)
    event_publish(event=event, by=reviewer)
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_REPLICA_URL": url}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts["api_status"] == 200 and counts["api_ids"] == [event.event_id]
    assert counts["api_list"]["replica"] >= 1
    assert counts["plain_orm"] == {"default": 1, "replica": 0}
    assert counts["export_block"] == {"default": 0, "replica": 1}
    assert counts["inside_transaction"]["replica"] == 0
