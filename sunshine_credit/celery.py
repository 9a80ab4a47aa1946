import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunshine_credit.settings")

app = Celery("sunshine_credit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
