from django.urls import path

from explorer import views

app_name = "explorer"
urlpatterns = [
    path("explore/", views.explore, name="explore"),
    path("events/<str:event_id>/", views.event_page, name="event"),
]
