"""Who may do what through /api/v1/events/ (docs/architecture.md, "Roles"), for all five kinds of caller."""

import pytest
from rest_framework.test import APIClient

from core.vocab import ActorRole, Status
from events.models import Event
from events.services import event_create
from tests.api_helpers import build_world, client_for, event_ids
from tests.factories import UserFactory

URL = "/api/v1/events/"

ACTIONS = [
    "read published",
    "read draft",
    "list drafts",
    "create",
    "update draft",
    "update published",
    "publish",
    "retract",
    "delete draft",
    "delete published",
]

# Expected status per role and action (list drafts: whether a draft appears in the list and its count).
MATRIX = {
    "anonymous": [200, 404, False, 401, 401, 401, 401, 401, 401, 401],
    "viewer": [200, 200, True, 403, 403, 403, 403, 403, 403, 403],
    "curator": [200, 200, True, 201, 200, 403, 403, 403, 204, 403],
    "reviewer": [200, 200, True, 201, 200, 200, 200, 200, 204, 204],
    "superuser": [200, 200, True, 201, 200, 200, 200, 200, 204, 204],
}


def user_for(role: str, request):
    if role == "anonymous":
        return None
    if role == "superuser":
        return UserFactory(username="admin", is_superuser=True)
    return request.getfixturevalue(role)


def run_actions(world, client) -> list:
    e = world.events
    ready = event_create(
        event_date=e["riot"].event_date,
        event_type="Riots",
        sub_event_type="Mob violence",
        place=world.places["aleppo_city"],
        actors=[(world.actors["rioters"], ActorRole.ACTOR1)],
        citations=[{"source": world.sources["reuters"], "quote": "A mob gathered."}],
    )
    scrap = event_create(
        event_date=e["riot"].event_date,
        event_type="Riots",
        sub_event_type="Mob violence",
        place=world.places["aleppo_city"],
    )

    def url(event, suffix=""):
        return f"{URL}{event.event_id}/{suffix}"

    listing = client.get(URL).json()
    new_event = {
        "event_date": "2015-07-01",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "place": world.places["idlib_town"].pk,
    }
    return [
        client.get(url(e["battle"])).status_code,
        client.get(url(e["riot"])).status_code,
        e["riot"].event_id in [row["event_id"] for row in listing["results"]] and listing["count"] == 7,
        client.post(URL, new_event, format="json").status_code,
        client.patch(url(e["riot"]), {"notes": "x", "version": e["riot"].version}, format="json").status_code,
        client.patch(
            url(e["battle"]), {"notes": "x", "version": e["battle"].version}, format="json"
        ).status_code,
        # `ready` is a likely duplicate of `scrap` (same riot, place and day): confirmed distinct.
        client.post(url(ready, "publish/"), {"confirm_not_duplicate": True}, format="json").status_code,
        client.post(url(e["protest"], "retract/"), {"reason": "error"}, format="json").status_code,
        client.delete(url(scrap)).status_code,
        client.delete(url(e["regain"])).status_code,
    ]


@pytest.mark.parametrize("role", list(MATRIX))
def test_permissions_matrix(db, request, role):
    world = build_world()
    got = run_actions(world, client_for(user_for(role, request)))
    assert dict(zip(ACTIONS, got, strict=True)) == dict(zip(ACTIONS, MATRIX[role], strict=True))


def test_refusals_explain_themselves_in_the_error_shape(db, curator):
    world = build_world()
    response = client_for(curator).delete(f"{URL}{world.events['battle'].event_id}/")
    assert response.status_code == 403
    assert response.json()["errors"] == [
        {"message": "Only reviewers can delete published or retracted events."}
    ]
    anonymous = client_for().post(URL, {}, format="json")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    assert anonymous.json()["detail"]


def test_a_draft_is_indistinguishable_from_a_missing_event_for_anonymous_callers(db):
    world = build_world()
    draft = client_for().get(f"{URL}{world.events['riot'].event_id}/")
    missing = client_for().get(f"{URL}SYR999999/")
    assert (draft.status_code, missing.status_code) == (404, 404)
    assert draft.json()["errors"][0].keys() == missing.json()["errors"][0].keys()


def test_retracted_events_vanish_for_anonymous_callers_but_not_for_viewers(db, viewer):
    world = build_world()
    Event.objects.filter(pk=world.events["battle"].pk).update(status=Status.RETRACTED)
    battle = world.events["battle"].event_id
    assert battle not in event_ids(client_for().get(URL))
    assert client_for().get(f"{URL}{battle}/").status_code == 404
    assert battle in event_ids(client_for(viewer).get(URL))
    assert client_for(viewer).get(f"{URL}{battle}/").json()["status"] == "retracted"


def test_session_authentication_works_too(db, viewer):
    world = build_world()
    client = APIClient()
    client.force_login(viewer)
    assert client.get(f"{URL}{world.events['riot'].event_id}/").status_code == 200
