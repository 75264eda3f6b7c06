"""The Viewer, Curator and Reviewer groups and their permissions (docs/architecture.md, "Roles").

Created idempotently after every migrate: on a fresh or test database the permissions do
not exist yet when data migrations run, so a data migration cannot grant them.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

VIEWER, CURATOR, REVIEWER = "Viewer", "Curator", "Reviewer"

# (app_label, model) pairs whose rows the roles read; curators also add, change and delete them.
CURATED_MODELS = [
    ("events", "event"),
    ("events", "eventactor"),
    ("events", "citation"),
    ("events", "source"),
    ("actors", "actor"),
    ("actors", "actorrelation"),
    ("places", "place"),
]
READ_ONLY_MODELS = [("events", "importbatch"), ("events", "tombstone")]


def has_a_role(user) -> bool:
    """Viewers, curators, reviewers and superusers: they see drafts, and who changed what.

    A signed-in user without a role (staff or not) sees what anonymous callers see.
    """
    return user is not None and user.is_authenticated and user.has_perm("events.view_event")


ROLE_PERMISSIONS: dict[str, set[tuple[str, str]]] = {
    VIEWER: {(app, f"view_{model}") for app, model in CURATED_MODELS + READ_ONLY_MODELS},
}
ROLE_PERMISSIONS[CURATOR] = (
    ROLE_PERMISSIONS[VIEWER]
    | {(app, f"{action}_{model}") for app, model in CURATED_MODELS for action in ("add", "change", "delete")}
    | {("events", "add_importbatch")}
)
ROLE_PERMISSIONS[REVIEWER] = ROLE_PERMISSIONS[CURATOR] | {
    ("events", "publish_event"),
    ("events", "retract_event"),
}


def ensure_role_groups(sender=None, apps=global_apps, verbosity: int = 0, **kwargs) -> None:
    """Create or update the three groups so each holds exactly its role's permissions."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for label in ("places", "actors", "events"):
        create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps)
    for name, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in sorted(wanted)
        ]
        group.permissions.set(perms)
