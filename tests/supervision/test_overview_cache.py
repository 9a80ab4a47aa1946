"""V1: the head office's village figures are kept OVERVIEW_CACHE_SECONDS and refreshed by beat; each page still keeps
only its reader's villages (R1), and without the cache (Redis down, R8) the page is computed, never an error."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django_scopes import scopes_disabled

from supervision.selectors.overview import overview
from supervision.tasks import refresh_figures
from tests.post_loan.classification_world import loan

TODAY = datetime.date(2027, 9, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings, county):
    settings.OVERVIEW_CACHE_SECONDS = 300
    with scopes_disabled():
        loan(county, due_on=TODAY + datetime.timedelta(days=100), amount=10000)
        loan(county, due_on=TODAY + datetime.timedelta(days=100), amount=7000, village=county.v_b)
    return county


def page(county, user, level="county", pk=None):
    return overview(scope=county.scope(user), level=level, pk=pk, campaign=county.campaign, today=TODAY)


def test_a_page_answers_from_the_kept_figures_until_they_are_refreshed(kept, django_assert_max_num_queries):
    first = page(kept, kept.sue)
    assert first["unit"].outstanding == Decimal(17000)
    with scopes_disabled():
        loan(kept, due_on=TODAY + datetime.timedelta(days=100), amount=5000)
    again = page(kept, kept.sue)
    assert again["unit"].outstanding == Decimal(17000)  # kept
    assert again["computed_at"] == first["computed_at"]
    with django_assert_max_num_queries(8):  # no figure query: the officers, complaints, plan and as-of only
        page(kept, kept.sue)
    cache.clear()
    assert page(kept, kept.sue)["unit"].outstanding == Decimal(22000)


def test_the_kept_figures_are_cut_to_each_readers_scope(kept):
    page(kept, kept.sue)  # computes and keeps the whole head office
    assert [row.name for row in page(kept, kept.pat)["rows"]] == ["城关支行"]
    assert page(kept, kept.pat)["unit"].outstanding == Decimal(10000)
    assert page(kept, kept.bob, "officer", kept.bob.pk)["unit"].outstanding == Decimal(7000)
    assert page(kept, kept.tina, "officer", kept.tina.pk)["unit"].outstanding == Decimal(10000)


def test_the_beat_job_refreshes_them(kept, settings):
    page(kept, kept.sue)
    with scopes_disabled():
        loan(kept, due_on=TODAY + datetime.timedelta(days=100), amount=5000)
    result = refresh_figures.delay().get()
    assert result == {kept.head_office.code: 3}
    # the job computes for today and the head office's latest campaign: the page of today reads it
    fresh = overview(scope=kept.scope(kept.sue), level="county", campaign=kept.campaign)
    assert fresh["unit"].outstanding == Decimal(22000)


def test_without_the_cache_the_page_is_computed(kept, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    from django.core.cache import caches

    backend = caches["default"]
    monkeypatch.setattr(type(backend), "get", down)
    monkeypatch.setattr(type(backend), "set", down)
    assert page(kept, kept.sue)["unit"].outstanding == Decimal(17000)


# --- the first readers after midnight (issue 18) ---------------------------------------------------------------------

def at(monkeypatch, day: datetime.date, clock: str):
    """The clock (django.utils.timezone.now, which localdate reads too) at `clock` of `day`, local time."""
    from django.utils import timezone

    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time.fromisoformat(clock)))
    monkeypatch.setattr(timezone, "now", lambda: moment)


def read_without_computing(county, day: datetime.date):
    """The head office's page of `day`, asserting it computed no figure (no households count: read from the cache)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from households.models import Household

    with CaptureQueriesContext(connection) as queries:
        result = overview(scope=county.scope(county.sue), level="county", campaign=county.campaign, today=day)
    assert not [q["sql"] for q in queries if Household._meta.db_table in q["sql"]]
    return result


@pytest.fixture
def due_today(kept):
    """A loan due on TODAY: not overdue today, overdue from tomorrow on."""
    with scopes_disabled():
        loan(kept, due_on=TODAY, amount=3000)
    return kept


def test_a_refresh_at_00_00_30_serves_the_new_day_from_the_cache(due_today, monkeypatch):
    tomorrow = TODAY + datetime.timedelta(days=1)
    at(monkeypatch, tomorrow, "00:00:30")
    assert refresh_figures.delay().get() == {due_today.head_office.code: 3}
    unit = read_without_computing(due_today, tomorrow)["unit"]
    assert (unit.overdue_loans, unit.overdue_amount) == (1, Decimal(3000))  # the new day's figures


def test_the_last_refresh_before_midnight_keeps_the_next_days_figures_too(due_today, monkeypatch):
    at(monkeypatch, TODAY, "23:57:00")
    refresh_figures.delay().get()
    assert read_without_computing(due_today, TODAY)["unit"].overdue_loans == 0
    after_midnight = read_without_computing(due_today, TODAY + datetime.timedelta(days=1))["unit"]
    assert (after_midnight.overdue_loans, after_midnight.overdue_amount) == (1, Decimal(3000))


@pytest.mark.parametrize("clock, days", [("23:54:59", 1), ("23:55:00", 2), ("00:00:00", 1), ("12:00:00", 1)])
def test_the_next_day_is_kept_only_within_the_cache_lifetime_of_midnight(settings, clock, days):
    from django.utils import timezone

    from supervision.services.overview import days_to_keep

    settings.OVERVIEW_CACHE_SECONDS = 300
    now = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time.fromisoformat(clock)))
    assert days_to_keep(now) == [TODAY, TODAY + datetime.timedelta(days=1)][:days]


def test_beat_refreshes_at_midnight_too(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-figures-midnight"]
    assert entry["task"] == refresh_figures.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {0})
