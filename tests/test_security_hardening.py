"""The low-severity findings of the side-door review, each as it was found."""

import pytest

from events.vocab import Status
from tests.api_helpers import client_for
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- a signed-in user without a role is anonymous -----------------------------------------------


def test_a_staff_user_without_a_role_sees_no_names_in_an_events_history(curator, viewer):
    event = EventFactory(status=Status.PUBLISHED)
    event.history.update(history_user=curator)
    url = f"/api/v1/events/{event.event_id}/history/"
    roleless = UserFactory(username="roleless")  # is_staff, in no group
    assert roleless.is_staff and not roleless.groups.exists()

    assert {entry["user"] for entry in client_for(roleless).get(url).json()} == {None}
    assert {entry["user"] for entry in client_for().get(url).json()} == {None}
    assert {entry["user"] for entry in client_for(viewer).get(url).json()} == {"curator"}
