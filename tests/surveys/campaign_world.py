"""The campaign stage of the shared county, for the campaign, respondent, printout and limits-page tests."""

from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from tests.county import County, build_county
from tests.factories import HouseholdFactory, MemberFactory, staff_for
from tests.surveys.factories import RespondentFactory


def zh(msgid: str, **params) -> str:
    """The message as a page shows it: translated to the default language, HTML-escaped."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return escape(text % params if params else text)


def make_world(county: County | None = None) -> County:
    """The county's campaign in its survey: tina on the survey team, olga (another officer of 东岭村) not on
    it; household h_a (A-0001, 李大山 and his spouse 王秀英) in group g1 of 东岭村, h_b (B-0001) in 西河村; seven
    respondents R01–R07 in 东岭村. Builds a county when none is given; returns it with the stage attached."""
    county = county or build_county()
    with scopes_disabled():
        county.g_a = county.g1
        county.h_a = HouseholdFactory(village=county.v_a, group=county.g1, code="A-0001", address="东岭村1组8号",
                                      head__name="李大山", head__id_number="11010519491231002X")
        county.spouse = MemberFactory(household=county.h_a, name="王秀英", relation="配偶")
        county.h_b = HouseholdFactory(village=county.v_b, code="B-0001", head__name="赵四")
        county.olga = staff_for(county.v_a).user
        county.campaign.survey_team.add(county.tina)
        county.respondents = [RespondentFactory(village=county.v_a, code=f"R{i:02d}", name=f"评议人{i}",
                                                phone="13700001111") for i in range(1, 8)]
    return county
