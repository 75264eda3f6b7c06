"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Only web processes import this module (gunicorn, runserver), so only they get the timeout.
from config.statement_timeout import enable_for_web_process  # noqa: E402

enable_for_web_process()
