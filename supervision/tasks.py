"""Supervision's background jobs (thin, idempotent, explicit names)."""

from celery import shared_task

from .services import complaints as complaint_services


@shared_task(name="supervision.complaint_contacts_erase")
def complaint_contacts_erase() -> int:
    """V4: erase complainants' names and phones past their retention (daily; idempotent)."""
    return complaint_services.complaint_contacts_erase()
