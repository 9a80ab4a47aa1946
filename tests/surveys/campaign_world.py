"""Shared set-up for the campaign, respondent and printout tests: two branches, every role."""

from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from sunshine_credit.models import Role
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    StaffFactory,
    VillageFactory,
    VillageGroupFactory,
    staff_for,
)
from tests.surveys.factories import CampaignFactory, RespondentFactory


def zh(msgid: str, **params) -> str:
    """The message as a page shows it: translated to the default language, HTML-escaped."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return escape(text % params if params else text)


def make_world() -> dict:
    """Branch A with village v_a: officers tina (survey team) and olga (not), president pat.
    Branch B with v_b: officer bob. Head office: admin ada, supervisor sue. Respondents in v_a."""
    with scopes_disabled():
        v_a, v_b = VillageFactory(name="东岭村"), VillageFactory(name="西河村")
        g_a = VillageGroupFactory(village=v_a, name="1组")
        h_a = HouseholdFactory(village=v_a, group=g_a, code="A-0001", address="东岭村1组8号", head__name="李大山",
                               head__id_number="11010519491231002X")
        spouse = MemberFactory(household=h_a, name="王秀英", relation="配偶")
        h_b = HouseholdFactory(village=v_b, code="B-0001", head__name="赵四")
        tina = staff_for(v_a).user
        campaign = CampaignFactory(head_office=v_a.branch.head_office, min_respondents=5)
        campaign.survey_team.add(tina)
        respondents = [RespondentFactory(village=v_a, code=f"R{i:02d}", name=f"评议人{i}", phone="13700001111")
                       for i in range(1, 8)]
        return {
            "v_a": v_a, "v_b": v_b, "g_a": g_a, "h_a": h_a, "h_b": h_b, "spouse": spouse,
            "campaign": campaign, "respondents": respondents,
            "tina": tina, "olga": staff_for(v_a).user, "bob": staff_for(v_b).user,
            "pat": staff_for(v_a, role=Role.PRESIDENT).user,
            "ada": StaffFactory(role=Role.ADMIN, branch=None, head_office=v_a.branch.head_office).user,
            "sue": StaffFactory(role=Role.SUPERVISOR, branch=None, head_office=v_a.branch.head_office).user,
        }
