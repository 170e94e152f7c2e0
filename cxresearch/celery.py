"""The Celery application. Tasks run eagerly when REDIS_URL is unset (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxresearch.settings")

app = Celery("cxresearch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
