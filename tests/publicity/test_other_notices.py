"""P6: the other notices on the same machinery — revocation, the monthly large-loan register, the loan
pre-disbursement notice: snapshot, job, archived PDF with SHA-256, nothing but the rows the caller gives."""

import datetime
import hashlib
import shutil
import subprocess
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from publicity import rules
from publicity.models import Notice, NoticeKind
from publicity.services import PublishRefused, large_loan_register_publish, notice_publish

pytestmark = pytest.mark.django_db

COLUMNS = [{"label": "序号", "num": True}, {"label": "借款人", "num": False}, {"label": "金额（元）", "num": True}]


def test_a_revocation_notice_is_rendered_and_archived(county, django_capture_on_commit_callbacks):
    rows = [("3组", [1, "王*明", "30,000"], Decimal(30000)), ("3组", [2, "李*", "20,000"], Decimal(20000))]
    with django_capture_on_commit_callbacks(execute=True), scopes_disabled():
        notice = notice_publish(actor=county.tina, kind=NoticeKind.REVOCATION, village=county.v_a,
                                title="取消授信资格公示", columns=COLUMNS, rows=rows,
                                starts_on=datetime.date(2026, 12, 1), days=7)
    with scopes_disabled():
        notice = Notice.objects.get(pk=notice.pk)
        content = notice.file.open("rb").read()
    assert notice.status == Notice.Status.PUBLISHED and hashlib.sha256(content).hexdigest() == notice.sha256
    assert notice.ends_on == datetime.date(2026, 12, 7) and notice.snapshot["public_url"] == ""
    assert notice.snapshot["groups"] == [{"name": "3组", "rows": [[1, "王*明", "30,000"], [2, "李*", "20,000"]],
                                          "count": 2, "total": "50,000"}]
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout
        flat = "".join(text.decode().split())
        assert "取消授信资格公示" in flat and "王*明" in flat and county.v_a.name in flat


def test_a_pre_disbursement_notice_runs_three_to_five_days(county):
    for days in (2, 6):
        with pytest.raises(ValueError), scopes_disabled():
            notice_publish(actor=county.tina, kind=NoticeKind.PREDISBURSEMENT, village=county.v_a, title="贷款公示",
                           columns=COLUMNS, rows=[], starts_on=datetime.date(2026, 12, 1), days=days)
    with scopes_disabled():
        notice = notice_publish(actor=county.tina, kind=NoticeKind.PREDISBURSEMENT, village=county.v_a, title="贷款公示",
                                columns=COLUMNS, rows=[], starts_on=datetime.date(2026, 12, 1), days=5)
    assert notice.ends_on == datetime.date(2026, 12, 5)


def test_the_large_loan_register_is_one_per_village_and_month_once_the_month_is_over(county):
    rows = [("", [1, "赵*", "500,000"], Decimal(500000))]
    with pytest.raises(PublishRefused), scopes_disabled():
        large_loan_register_publish(actor=county.tina, village=county.v_a, period="2026-12", rows=rows,
                                    posted_on=datetime.date(2026, 12, 20))
    with scopes_disabled():
        notice = large_loan_register_publish(actor=county.tina, village=county.v_a, period="2026-11", rows=rows,
                                             posted_on=datetime.date(2026, 12, 3))
    assert notice.kind == NoticeKind.LARGE_LOANS and notice.period == "2026-11"
    with pytest.raises(PublishRefused), scopes_disabled():
        large_loan_register_publish(actor=county.tina, village=county.v_a, period="2026-11", rows=rows,
                                    posted_on=datetime.date(2026, 12, 4))


def test_the_pre_credit_board_has_its_own_path():
    with pytest.raises(ValueError):
        notice_publish(actor=None, kind=NoticeKind.PRECREDIT, village=None, title="", columns=[], rows=[],
                       starts_on=datetime.date(2026, 12, 1), days=3)


@pytest.mark.parametrize(("period", "due"), [("2026-11", datetime.date(2026, 12, 5)),
                                             ("2026-12", datetime.date(2027, 1, 5))])
def test_the_register_is_due_by_the_fifth_of_the_next_month(period, due):
    assert rules.large_loan_register_due(period) == due
