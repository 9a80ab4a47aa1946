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
