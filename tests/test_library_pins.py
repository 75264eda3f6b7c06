"""Two fast paths lean on a library's internals, each measured as needed (docs/benchmarks.md):
the XLSX events sheet writes xlsxwriter's row XML itself, and StrictFilterSet builds its filters
without django-filter's deep copies. Each is pinned, and these tests fail when the installed
release is not the one the code was checked against, or when the internals it uses are gone."""

from importlib.metadata import version

import django_filters
import pytest
import xlsxwriter.worksheet

from core.api.filters import DJANGO_FILTER_VERIFIED, StrictFilterSet
from events.exports.xlsx import XLSXWRITER_VERIFIED
from events.models import Source


def test_xlsxwriter_is_the_release_the_fast_sheet_writer_was_checked_against():
    assert version("xlsxwriter") == XLSXWRITER_VERIFIED, (
        "re-run tests/exports/test_export_formats.py's writer comparison, then update XLSXWRITER_VERIFIED"
    )
    for name in ("_write_single_row", "_check_dimensions"):
        assert callable(getattr(xlsxwriter.worksheet.Worksheet, name))


def test_django_filter_is_the_release_strict_filter_set_was_checked_against():
    assert version("django-filter") == DJANGO_FILTER_VERIFIED


class _Plain(django_filters.FilterSet):
    class Meta:
        model = Source
        fields = ["name"]


class _Strict(StrictFilterSet):
    class Meta:
        model = Source
        fields = ["name"]


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"name": "Reuters"}])
def test_strict_filter_set_sets_up_everything_django_filters_constructor_does(data):
    plain, strict = _Plain(data), _Strict(data)
    assert set(vars(plain)) <= set(vars(strict))
    assert list(strict.filters) == list(plain.filters)
    assert strict.form.fields.keys() <= plain.form.fields.keys()
    assert list(strict.qs) == list(plain.qs)
