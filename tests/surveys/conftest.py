import pytest

from tests.surveys.campaign_world import make_world


@pytest.fixture
def campaign_stage(county):
    """The county's campaign in its survey (tests/surveys/campaign_world.py): households, respondents, olga."""
    return make_world(county)
