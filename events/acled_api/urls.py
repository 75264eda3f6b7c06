"""ACLED's API routes under /api/: /api/acled/read, /api/deleted/read, … as ACLED names them.

Each takes ACLED's optional format suffix (read.csv, read.json, read.txt) and a trailing slash,
as ACLED's clients write them (`acled.api` asks for /acled/read/?…, `acledR` for /acled/read.csv?…).
"""

from django.urls import re_path

from events.acled_api import views

READ = r"/read(?P<suffix>\.[A-Za-z]+)?/?$"

urlpatterns = [
    re_path(rf"^acled{READ}", views.EventRead.as_view(), name="acled-read"),
    re_path(rf"^deleted{READ}", views.DeletedRead.as_view(), name="acled-deleted-read"),
    re_path(rf"^actor{READ}", views.ActorRead.as_view(), name="acled-actor-read"),
    re_path(rf"^actortype{READ}", views.ActorTypeRead.as_view(), name="acled-actortype-read"),
    re_path(rf"^country{READ}", views.CountryRead.as_view(), name="acled-country-read"),
    re_path(rf"^region{READ}", views.RegionRead.as_view(), name="acled-region-read"),
    re_path(rf"^check{READ}", views.CheckRead.as_view(), name="acled-check-read"),
    re_path(rf"^(?P<data>[A-Za-z_]+){READ}", views.UnknownRead.as_view(), name="acled-unknown-read"),
]
