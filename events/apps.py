from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from events.acled_api.oauth import (
            connect_token_revocation,
            ensure_acled_client,
            unregister_toolkit_admin,
        )
        from events.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)
        post_migrate.connect(ensure_acled_client, sender=self)
        connect_token_revocation()
        unregister_toolkit_admin()
