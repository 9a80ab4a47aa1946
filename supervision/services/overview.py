"""V1: keeping the dashboards' figures ready (the beat job `supervision.refresh_figures`)."""

from django.utils import timezone

from sunshine_credit.models import HeadOffice
from surveys.models import Campaign

from ..selectors.overview import refresh_figures


def refresh_all() -> dict:
    """Each head office's village figures for its latest campaign (the dashboards' default), computed and kept.
    Idempotent: a rerun computes them again."""
    today = timezone.localdate()
    done = {}
    for office in HeadOffice.objects.order_by("pk"):
        campaign = Campaign.objects.filter(head_office=office).order_by("-reference_date", "-pk").first()
        figures, _at = refresh_figures(head_office_id=office.pk, campaign=campaign, today=today)
        done[office.code] = len(figures)
    return done
