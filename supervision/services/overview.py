"""V1: keeping the dashboards' figures ready (the beat job `supervision.refresh_figures`)."""

import datetime

from django.conf import settings
from django.utils import timezone

from sunshine_credit.models import HeadOffice
from surveys.models import Campaign

from ..selectors.overview import refresh_figures


def days_to_keep(now: datetime.datetime) -> list[datetime.date]:
    """The days whose figures a refresh at `now` keeps: today's, and tomorrow's too when midnight comes before the
    figures kept now expire (OVERVIEW_CACHE_SECONDS), so the first readers after midnight find the new day's
    figures kept (overdue, PAR30, visits and the repayment window depend on the day)."""
    now = timezone.localtime(now)
    tomorrow = now.date() + datetime.timedelta(days=1)
    midnight = datetime.datetime.combine(tomorrow, datetime.time(0), tzinfo=now.tzinfo)
    ahead = (midnight - now).total_seconds() <= settings.OVERVIEW_CACHE_SECONDS
    return [now.date(), tomorrow] if ahead else [now.date()]


def refresh_all() -> dict:
    """Each head office's village figures for its latest campaign (the dashboards' default), computed and kept for
    today (and, just before midnight, for tomorrow: days_to_keep). Idempotent: a rerun computes them again. Returns
    {head office code: villages kept for today}."""
    today, *ahead = days_to_keep(timezone.now())
    done = {}
    for office in HeadOffice.objects.order_by("pk"):
        campaign = Campaign.objects.filter(head_office=office).order_by("-reference_date", "-pk").first()
        figures, _at = refresh_figures(head_office_id=office.pk, campaign=campaign, today=today)
        for day in ahead:
            refresh_figures(head_office_id=office.pk, campaign=campaign, today=day)
        done[office.code] = len(figures)
    return done
