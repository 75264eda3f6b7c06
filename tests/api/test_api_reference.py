"""/api/v1/actors/, /api/v1/places/ and /api/v1/sources/: lists, filters, details and curators' writes."""

import pytest

from actors.models import Actor
from places.models import Place
from tests.api_helpers import build_world, client_for


@pytest.fixture
def world(db):
    return build_world()


def names(url: str) -> set[str]:
    response = client_for().get(url)
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_actors_filter_by_name_alias_kind_and_country(world):
    assert names("/api/v1/actors/?q=daesh") == {"Islamic State (Syria)"}
    assert names("/api/v1/actors/?q=syria") == {
        "Military Forces of Syria (2000-2024)",
        "Islamic State (Syria)",
        "Civilians (Syria)",
        "Rioters (Syria)",
    }
    assert names("/api/v1/actors/?kind=6,7") == {"Protesters (Iraq)", "Civilians (Syria)"}
    assert names("/api/v1/actors/?country=Iraq") == {"Protesters (Iraq)"}
    assert names("/api/v1/actors/?name=rioters (syria)") == {"Rioters (Syria)"}


def test_actor_payload_lists_aliases(world):
    actor = world.actors["islamic_state"]
    body = client_for().get(f"/api/v1/actors/{actor.pk}/").json()
    assert body["aliases"] == ["ISIS", "Daesh"]
    assert body["kind"] == 2


def test_places_filter_by_kind_country_parent_and_subtree(world):
    p = world.places
    assert names("/api/v1/places/?kind=admin1") == {"Aleppo", "Idlib", "Baghdad"}
    assert names("/api/v1/places/?country=IQ") == {"Iraq", "Baghdad"}
    assert names(f"/api/v1/places/?parent={p['syria'].pk}") == {"Aleppo", "Idlib"}
    within = client_for().get(f"/api/v1/places/?within={p['aleppo'].pk}").json()["results"]
    assert {row["id"] for row in within} == {p["aleppo"].pk, p["aleppo_district"].pk, p["aleppo_city"].pk}


def test_place_payload_carries_its_hierarchy_and_coordinates(world):
    city = world.places["aleppo_city"]
    body = client_for().get(f"/api/v1/places/{city.pk}/").json()
    assert body["country"] == "Syria" and body["country_code"] == "SYR"
    assert (body["admin1"], body["admin2"]) == ("Aleppo", "Jebel Saman")
    assert (body["latitude"], body["longitude"]) == (36.2, 37.16)
    assert body["parent"] == world.places["aleppo_district"].pk


def test_sources_filter_by_name_kind_and_country(world):
    assert names("/api/v1/sources/?q=reut") == {"Reuters"}
    assert names("/api/v1/sources/?kind=ngo") == {"Syrian Observatory for Human Rights"}
    assert names("/api/v1/sources/?country=GB") == {"Reuters", "Syrian Observatory for Human Rights"}


def test_bad_reference_filters_are_400_naming_the_parameter(world):
    for url, parameter in [
        ("/api/v1/actors/?kind=9", "kind"),
        ("/api/v1/actors/?country=Narnia", "country"),
        ("/api/v1/places/?kind=galaxy", "kind"),
        ("/api/v1/places/?parent=x", "parent"),
        ("/api/v1/places/?within=99999999", "within"),
        ("/api/v1/sources/?kind=tabloid", "kind"),
    ]:
        response = client_for().get(url)
        assert response.status_code == 400, url
        assert [e["parameter"] for e in response.json()["errors"]] == [parameter], url


def test_out_of_range_ids_are_404_not_500(world):
    for url in ["/api/v1/actors/99999999999999999999999/", "/api/v1/places/0/", "/api/v1/sources/abc/"]:
        assert client_for().get(url).status_code == 404, url


def test_reference_lists_cost_two_queries(world, django_assert_max_num_queries):
    for url in ["/api/v1/actors/", "/api/v1/places/", "/api/v1/sources/"]:
        with django_assert_max_num_queries(2):  # count + page
            client_for().get(url)


def test_curators_create_actors_with_aliases_and_a_country_by_name(world, curator):
    response = client_for(curator).post(
        "/api/v1/actors/",
        {"name": "Hayat Tahrir al-Sham", "kind": 2, "country": "Syria", "aliases": ["HTS", "Tahrir al-Sham"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    actor = Actor.objects.get(name="Hayat Tahrir al-Sham")
    assert (actor.country, actor.alias_list) == ("SYR", ["HTS", "Tahrir al-Sham"])


def test_reference_writes_are_validated_and_permissioned(world, curator, viewer):
    duplicate = client_for(curator).post("/api/v1/actors/", {"name": "Reuters", "kind": 9}, format="json")
    assert duplicate.status_code == 400
    assert {e["field"] for e in duplicate.json()["errors"]} == {"kind"}
    same_name = client_for(curator).post(
        "/api/v1/actors/", {"name": "Rioters (Syria)", "kind": 5}, format="json"
    )
    assert same_name.status_code == 400
    misplaced = client_for(curator).post(
        "/api/v1/places/",
        {"name": "Nowhere", "kind": "admin1", "parent": world.places["aleppo_city"].pk},
        format="json",
    )
    assert misplaced.status_code == 400
    assert {e["field"] for e in misplaced.json()["errors"]} == {"kind"}
    assert client_for(viewer).post("/api/v1/sources/", {"name": "X"}, format="json").status_code == 403
    assert client_for().post("/api/v1/sources/", {"name": "X"}, format="json").status_code == 401
    created = client_for(curator).post(
        "/api/v1/places/",
        {"name": "Manbij", "kind": "locality", "parent": world.places["aleppo"].pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["country_code"] == "SYR" and created.json()["admin1"] == "Aleppo"


def test_deleting_a_place_that_events_use_is_a_409(world, curator):
    response = client_for(curator).delete(f"/api/v1/places/{world.places['aleppo_city'].pk}/")
    assert response.status_code == 409
    assert response.json()["detail"]
    assert Place.objects.filter(pk=world.places["aleppo_city"].pk).exists()
