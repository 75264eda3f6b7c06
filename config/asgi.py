"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

from config.statement_timeout import enable_for_web_process  # noqa: E402

enable_for_web_process()  # a web process: statements get the web timeout
