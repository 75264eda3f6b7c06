"""The Celery app "chronicle": background exports (docs/scaling.md).

Configured from Django's settings under the CELERY_ namespace (CELERY_BROKER_URL, …). Without a
broker (CELERY_BROKER_URL and REDIS_URL unset) nothing is queued: exports that would go to the
background run inline, so `make run` needs no Redis. Workers: `make worker`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("chronicle")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
