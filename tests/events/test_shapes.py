"""The fields a person codes on an event are declared once (events.models.CODED_FIELDS) and every
screen that codes an event shows all of them."""

from django.contrib import admin

from events.filters import EventFilter
from events.forms import EventAdminForm
from events.models import CODED_FIELDS, Event


def _flat(fieldsets) -> list[str]:
    names = []
    for _, options in fieldsets:
        for entry in options["fields"]:
            names += list(entry) if isinstance(entry, tuple) else [entry]
    return names


def test_the_admins_new_event_page_lays_out_every_field_of_the_form():
    laid_out = _flat(admin.site._registry[Event].add_fieldsets)
    assert sorted(laid_out) == sorted(EventAdminForm._meta.fields)


def test_the_admins_event_page_shows_every_coded_field():
    assert set(CODED_FIELDS) <= set(_flat(admin.site._registry[Event].fieldsets))


def test_the_form_codes_every_coded_field_but_the_pre_2019_type_only_files_carry():
    assert set(CODED_FIELDS) - set(EventAdminForm._meta.fields) == {"legacy_event_type"}


def test_the_filters_a_page_gathers_by_are_filters_of_the_event_list():
    assert set(EventFilter.GATHERED) <= set(EventFilter.base_filters)
