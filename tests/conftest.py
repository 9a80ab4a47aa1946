import pytest
from django_scopes import scopes_disabled


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def unscoped():
    """Fixtures build data outside any scope; test bodies run scoped (a forgotten scope fails)."""
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    """R9's second factor is off in tests, as in the demo (the tests of it turn it on: tests/core/test_otp.py);
    otherwise every administrator's and supervisor's page would first ask for a TOTP code."""
    settings.OTP_REQUIRED_ROLES = frozenset()


def pytest_configure(config):
    config.addinivalue_line("markers", "real_broker: sends jobs through the configured broker (REDIS_URL); "
                                       "Celery is not made eager for it")


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Jobs run inline in tests, as in development, even when REDIS_URL is set (CI sets it):
    settings turn eager mode off with a broker. Tests marked `real_broker` keep the broker."""
    if request.node.get_closest_marker("real_broker"):
        yield
        return
    from sunshine_credit.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _locmem_cache(settings):
    """No test shares a cache with another run through Redis (CI sets REDIS_URL)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # V1: dashboards compute their figures for each page in tests (tests/supervision/test_overview_cache.py keeps
    # them), so a figure read after a change in the same test is the changed one.
    settings.OVERVIEW_CACHE_SECONDS = 0
    settings.BREACH_COUNT_CACHE_SECONDS = 0
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_interface_language():
    """Every test starts in the default language (zh-hans): a request that chose English must not
    leave the thread speaking English for the next test."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture
def county(db):
    """The small county most tests share (tests/county.py): two branches, every role, named people."""
    from tests.county import build_county

    return build_county()
