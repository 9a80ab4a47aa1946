"""Issue 15 item 11 (words): panel and group members are not 家庭成员; the repayment amount is not 贷款金额; the
change history shows field names, never `households.ExistingLoan.None`; 待建档 is the one word for a household on the
roster not yet archived; the English interface has no Chinese headers in the grids and summaries."""

import re

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from appraisal.models import Panel
from credit_use.forms import RepaymentForm
from households import exports
from households.models import ArchiveStatus, ExistingLoan
from tests.appraisal.factories import make_panel_world
from tests.factories import ExistingLoanFactory, HouseholdFactory
from tests.surveys.test_entry import grid_url, to_survey  # noqa: F401  the survey entry world (fixture)
from tests.surveys.test_summary import computed, household_url, surveyed, village_url  # noqa: F401

CJK = re.compile(r"[\u4e00-\u9fff]")
HEADERS = re.compile(r"<th[^>]*>(.*?)</th>|aria-label=\"([^\"]*)\"", re.S)


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def chinese_headers(html: str) -> list[str]:
    return [text for pair in HEADERS.findall(html) for text in pair if CJK.search(re.sub(r"<[^>]+>", "", text))]


# --- members ----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_panel_members_are_not_household_members(client, county):
    make_panel_world(county, status=Panel.Status.OPEN)
    client.force_login(county.tina)
    page = client.get(f"/appraisal/panels/{county.panel.pk}/").content.decode()
    assert "家庭成员" not in page
    english(client)
    assert "Panel members" in client.get(f"/appraisal/panels/{county.panel.pk}/").content.decode()


def test_group_members_label_is_its_own_word():
    from guarantee_groups.forms import GroupForm

    with translation.override("en"):
        assert str(GroupForm.base_fields["households"].label) == "Group members"
    with translation.override("zh-hans"):
        assert str(GroupForm.base_fields["households"].label) == "联保小组成员"


# --- the repayment amount ---------------------------------------------------------------------------------
def test_the_repayment_amount_is_not_the_loan_amount():
    with translation.override("en"):
        assert str(RepaymentForm.base_fields["amount"].label) == "Amount repaid (yuan)"
    with translation.override("zh-hans"):
        assert "贷款金额" not in str(RepaymentForm.base_fields["amount"].label)


# --- the change history -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_change_history_shows_field_names_never_relation_reprs(client, county, unscoped):
    household = HouseholdFactory(village=county.v_a, code="A-0001", archive_status="archived")
    loan = ExistingLoanFactory(member=household.members.first())
    # An entry as older versions recorded it: a reverse relation logged as "households.ExistingLoan.None".
    LogEntry.objects.create(content_type=ContentType.objects.get_for_model(ExistingLoan), object_pk=str(loan.pk),
                            object_repr="L", action=LogEntry.Action.UPDATE,
                            changes={"loans": ["None", "households.ExistingLoan.None"], "balance": ["1.00", "2.00"]})
    client.force_login(county.tina)
    page = client.get(f"/households/{household.pk}/").content.decode()
    history = page[page.index('id="history-table"'):]
    assert ".None" not in history and "<strong>loans</strong>" not in history
    assert "<strong>head office</strong>" not in history  # translated like every other field name
    with translation.override("zh-hans"):
        balance = str(ExistingLoan._meta.get_field("balance").verbose_name)
    assert f"<strong>{balance}</strong>" in history


@pytest.mark.django_db
def test_new_audit_entries_leave_out_reverse_relations(county, unscoped):
    household = HouseholdFactory(village=county.v_a, code="A-0001")
    entry = LogEntry.objects.get_for_object(household).order_by("pk").first()
    assert not any(".None" in str(values) for values in entry.changes_dict.values())
    assert "drawdowns" not in entry.changes_dict and "loans" not in entry.changes_dict


# --- 待建档 -------------------------------------------------------------------------------------------------
def test_one_word_for_a_household_not_yet_archived():
    with translation.override("zh-hans"):
        label = str(ArchiveStatus.ON_ROSTER.label)
    assert label == exports.STATUS[ArchiveStatus.ON_ROSTER] == "待建档"
    assert exports.STATUS[ArchiveStatus.EXCLUDED] == "不予建档"


# --- English grids and summaries --------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_english_survey_grid_has_no_chinese_headers(client, to_survey):  # noqa: F811
    client.force_login(to_survey.tina)
    english(client)
    html = client.get(grid_url(to_survey)).content.decode()
    assert 'id="entry-grid"' in html and "Credit representative" in html and chinese_headers(html) == []
    assert 'data-word-yes="Yes"' in html


@pytest.mark.django_db
def test_the_english_summaries_have_no_chinese_headers(client, surveyed):  # noqa: F811
    computed(surveyed)
    client.force_login(surveyed.tina)
    english(client)
    for url in (household_url(surveyed), village_url(surveyed)):
        html = client.get(url).content.decode()
        assert chinese_headers(html) == [], url
        assert "问卷调查汇总表" not in html and "Questionnaire summary" in html


@pytest.mark.django_db
def test_the_english_reviewer_grid_has_no_chinese_headers(client, county):
    make_panel_world(county, status=Panel.Status.OPEN)
    client.force_login(county.reviewers[0].user)
    english(client)
    html = client.get(f"/appraisal/my/{county.panel.pk}/groups/{county.g1.pk}/").content.decode()
    assert "Credit amount" in html and "Withhold reasons" in html and chinese_headers(html) == []


@pytest.mark.django_db
def test_the_english_household_list_has_no_chinese_headers(client, county, unscoped):
    HouseholdFactory(village=county.v_a, code="A-0001")
    client.force_login(county.tina)
    english(client)
    html = client.get("/households/").content.decode()
    assert "Household code" in html and chinese_headers(html) == []
