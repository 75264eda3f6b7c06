from django.apps import AppConfig


class ExplorerConfig(AppConfig):
    """The public pages: the explorer (map, timeline, counts) and each published event's page."""

    name = "explorer"
    verbose_name = "Explorer"
