"""Questionnaire import in the browser: upload → check → preview with row errors and village counts →
confirm → apply; scoped (R1) with two branches; codes only, never a respondent's name (S1)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from surveys.models import Questionnaire, SurveyImport
from tests.surveys.factories import RespondentFactory
from tests.surveys.test_survey_import import home, rosters, six_rows, survey_bytes  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signed_in")]
LIST = reverse("surveys:survey_import_list")


@pytest.fixture
def signed_in(client, county, rosters):  # noqa: F811
    """tina signed in, the rosters imported."""
    client.force_login(county.tina)


def upload(client, campaign, rows, name="surveys.xlsx"):
    return client.post(LIST, {"campaign": campaign.pk, "file": SimpleUploadedFile(name, survey_bytes(rows))})


def questionnaires():
    with scopes_disabled():
        return Questionnaire.objects.count()


def test_upload_preview_shows_row_errors_then_fixed_file_imports(client, county, django_capture_on_commit_callbacks):
    with scopes_disabled():
        RespondentFactory(village=county.v_a, code=f"{county.v_a.code}-R01", name="保密的名字")
    rows = six_rows(home(county.v_a)) + six_rows(home(county.v_a, 2))
    rows[9][9] = "12"  # sheet row 11
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, county.campaign, rows)
    item = SurveyImport.objects.get()
    assert response.status_code == 302 and item.status == "invalid" and not item.file
    page = client.get(reverse("surveys:survey_import_detail", args=[item.pk])).content.decode()
    assert "第11行" in page and "待授信原因代码" in page and "confirm-import" not in page
    assert questionnaires() == 0

    rows[9][9] = "2"
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, county.campaign, rows)
    item = SurveyImport.objects.latest("id")
    assert item.status == "valid" and item.created_by == county.tina and item.campaign == county.campaign
    assert [(v["code"], v["rows"], v["households"], v["respondents"], v["new_respondent_count"])
            for v in item.summary["villages"]] == [(county.v_a.code, 12, 2, 6, 5)]
    page = client.get(reverse("surveys:survey_import_detail", args=[item.pk])).content.decode()
    assert "confirm-import" in page and f"{county.v_a.code}-R02" in page and "保密的名字" not in page
    assert questionnaires() == 0  # checked, not yet written
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("surveys:survey_import_confirm", args=[item.pk]))
    item.refresh_from_db()
    assert response.status_code == 302 and item.status == "applied"
    assert item.summary["questionnaires_created"] == 12 and questionnaires() == 12 and not item.file
    page = client.get(reverse("surveys:survey_import_detail", args=[item.pk])).content.decode()
    assert "import-done" in page and "保密的名字" not in page
    # A second confirm is refused and writes nothing more.
    assert client.post(reverse("surveys:survey_import_confirm", args=[item.pk])).status_code == 403
    assert questionnaires() == 12


def test_other_branch_officer_gets_404_for_import_page_and_confirm(client, county,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, county.campaign, six_rows(home(county.v_a)))
    item = SurveyImport.objects.get()
    assert client.get(reverse("surveys:survey_import_detail", args=[item.pk])).status_code == 200
    client.force_login(county.bob)
    assert client.get(reverse("surveys:survey_import_detail", args=[item.pk])).status_code == 404
    assert client.post(reverse("surveys:survey_import_confirm", args=[item.pk])).status_code == 404
    assert b"surveys.xlsx" not in client.get(LIST).content
    item.refresh_from_db()
    assert item.status == "valid" and questionnaires() == 0


def test_uploading_rows_of_another_branch_is_refused_by_row(client, county, django_capture_on_commit_callbacks):
    client.force_login(county.bob)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, county.campaign, six_rows(home(county.v_a)))
    item = SurveyImport.objects.get()
    assert item.status == "invalid" and {e["column"] for e in item.errors} == {"户号代码"}
    assert questionnaires() == 0


def test_a_campaign_of_another_head_office_cannot_be_chosen(client, county):
    from tests.surveys.factories import CampaignFactory
    with scopes_disabled():
        foreign = CampaignFactory(head_office__code="HQ2", code="X")
    response = upload(client, foreign, six_rows(home(county.v_a)))
    assert response.status_code == 200 and not SurveyImport.objects.exists()


def test_non_maker_roles_cannot_upload(client, county):
    client.force_login(county.sue)  # supervisor
    assert upload(client, county.campaign, six_rows(home(county.v_a))).status_code == 403
    assert not SurveyImport.objects.exists()


def test_a_file_that_is_not_xlsx_is_refused_and_nothing_is_stored(client, county):
    response = client.post(LIST, {"campaign": county.campaign.pk,
                                  "file": SimpleUploadedFile("s.xlsx", b"not a workbook")})
    assert response.status_code == 200 and ".xlsx" in response.content.decode()
    assert not SurveyImport.objects.exists()


def test_list_page_has_no_n_plus_1(client, county, django_capture_on_commit_callbacks,
                                   django_assert_max_num_queries):
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            upload(client, county.campaign, six_rows(home(county.v_a)), name=f"s{n}.xlsx")
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200 and response.content.decode().count("s4.xlsx") == 1


def test_template_download_has_the_section_11_header(client):
    from openpyxl import load_workbook
    response = client.get(reverse("surveys:survey_template"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == ["户号代码", "调查对象编号", "经营项目代码", "成员务工", "家庭总资产(元)",
                                           "家庭总负债(元)", "家庭净收入(元)", "授信代表人身份证号码", "可授信额度(元)",
                                           "待授信原因代码"]


def test_login_required(client):
    client.logout()
    assert client.get(LIST).status_code == 302
