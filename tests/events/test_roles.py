"""The Viewer, Curator and Reviewer groups exist after migrate, with exactly their permissions."""

import pytest
from django.contrib.auth.models import Group

from events.roles import CURATOR, REVIEWER, VIEWER, ensure_role_groups

pytestmark = pytest.mark.django_db


def _codenames(name: str) -> set[str]:
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


def test_viewers_only_view():
    codenames = _codenames(VIEWER)
    assert "view_event" in codenames and "view_place" in codenames
    assert all(code.startswith("view_") for code in codenames)


def test_curators_change_events_and_reference_data_but_cannot_publish():
    codenames = _codenames(CURATOR)
    assert {
        "add_event",
        "change_event",
        "delete_event",
        "add_actor",
        "change_place",
        "add_source",
        "add_citation",
    } <= codenames
    assert not {"publish_event", "retract_event", "add_user", "change_user", "add_token"} & codenames


def test_reviewers_also_publish_and_retract():
    assert _codenames(REVIEWER) == _codenames(CURATOR) | {"publish_event", "retract_event"}


def test_creating_the_groups_again_changes_nothing():
    before = {g.name: _codenames(g.name) for g in Group.objects.all()}
    ensure_role_groups()
    assert {g.name: _codenames(g.name) for g in Group.objects.all()} == before


def test_users_in_a_group_hold_its_permissions(curator, reviewer):
    assert curator.has_perm("events.change_event") and not curator.has_perm("events.publish_event")
    assert reviewer.has_perm("events.publish_event")
