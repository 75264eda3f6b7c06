"""Create the demo curator (and optionally a reviewer) for `make run`; safe to run again."""

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from events.roles import CURATOR, REVIEWER

DEFAULT_CREDENTIALS_FILE = settings.BASE_DIR / ".demo-credentials"


class Command(BaseCommand):
    help = (
        "Create (or keep) the staff user 'curator' in the Curator group and print its user name and "
        "password. The generated password is kept in a git-ignored file (.demo-credentials) so a "
        "re-run prints the same one; --new-password makes a new one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reviewer",
            action="store_true",
            help="Also create the staff user 'reviewer' in the Reviewer group (may publish).",
        )
        parser.add_argument(
            "--new-password",
            action="store_true",
            help="Generate new passwords instead of keeping the stored ones.",
        )
        parser.add_argument(
            "--credentials-file",
            type=Path,
            default=DEFAULT_CREDENTIALS_FILE,
            help="Where the generated passwords are kept (default: %(default)s).",
        )

    def handle(self, *args, reviewer: bool, new_password: bool, credentials_file: Path, **options):
        accounts = [("curator", CURATOR)] + ([("reviewer", REVIEWER)] if reviewer else [])
        stored = self._read(credentials_file)
        with transaction.atomic():
            for username, group_name in accounts:
                password = self._ensure_user(username, group_name, stored.get(username), new_password)
                stored[username] = password
                self.stdout.write(
                    f"Demo {group_name.lower()}: user name {username}, password {password} "
                    "(log in at /admin/)"
                )
        self._write(credentials_file, stored)

    def _ensure_user(self, username: str, group_name: str, stored: str | None, renew: bool) -> str:
        """Create or repair the user; keep its stored password when that still logs in."""
        try:
            group = Group.objects.get(name=group_name)
        except Group.DoesNotExist:
            raise CommandError(
                f"The {group_name} group does not exist; run `python manage.py migrate` first."
            ) from None
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        user.is_staff = True
        user.is_active = True
        user.groups.add(group)
        password = stored
        if created or renew or not stored or not user.check_password(stored):
            password = secrets.token_urlsafe(12)
            user.set_password(password)
        user.save()
        return password

    def _read(self, path: Path) -> dict[str, str]:
        if not path.exists():
            return {}
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            self.stderr.write(f"Ignoring unreadable {path}: {error}")
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write(self, path: Path, credentials: dict[str, str]) -> None:
        try:
            path.write_text(json.dumps(credentials, indent=2) + "\n")
            path.chmod(0o600)
        except OSError as error:
            raise CommandError(f"Could not store the demo passwords in {path}: {error}") from error
