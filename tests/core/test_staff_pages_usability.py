"""Issue 18 item 5: what the browser walk of the staff pages (tests/e2e/test_staff_browser.py) found, held here
without a browser: a one-time password without look-alike characters; the password length rule said in Chinese;
a deactivated login told why it cannot log in (only with its right password); the audit log in the reader's
words (actions, field names, choices, yes/no); a role change in the approvals inbox without a village it has
nothing to do with, and without a link to the staff pages for a supervisor (they are the administrator's: 404)."""

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled

from sunshine_credit.lib.passwords import HANDOVER_ALPHABET, LOOK_ALIKES, handover_password
from sunshine_credit.models import Role
from sunshine_credit.staff import audit_log
from tests.county import PASSWORD
from tests.factories import HouseholdFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_a_handed_over_password_has_no_look_alikes_and_passes_the_validators(county):
    assert not set(HANDOVER_ALPHABET) & LOOK_ALIKES and {"0", "O", "1", "l", "I"} <= LOOK_ALIKES
    for _ in range(200):
        password = handover_password()
        assert len(password) == 12 and set(password) <= set(HANDOVER_ALPHABET) and not password.isdigit()
    validate_password(handover_password(), user=county.tina)


def test_the_new_login_and_the_reset_hand_over_such_a_password(client, county):
    client.force_login(county.ada)
    page = client.post("/staff/new/", {"username": "liming", "name": "李明", "role": Role.TELLER,
                                       "branch": county.branch_a.pk})
    assert set(page.context["password"]) <= set(HANDOVER_ALPHABET)
    page = client.post(f"/staff/{county.tom.pk}/password/", {"password1": "", "password2": ""})
    assert set(page.context["password"]) <= set(HANDOVER_ALPHABET)


@pytest.mark.parametrize(("length", "refused"), [(9, True), (10, False)])
def test_the_length_rule_is_said_in_chinese(county, length, refused):
    password = "Qs-8" + "x" * (length - 4)
    if not refused:
        validate_password(password, user=county.tina)
        return
    with pytest.raises(ValidationError) as error:
        validate_password(password, user=county.tina)
    assert error.value.messages == ["密码太短：至少需要 10 个字符。"]


def log_in(client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_a_deactivated_login_is_told_why_only_with_its_right_password(client, county):
    tina = county.tina
    tina.is_active = False
    tina.save(update_fields=["is_active"])
    page = log_in(client, "tina", PASSWORD)
    assert page.status_code == 200 and "此账号已停用" in page.content.decode()
    assert "_auth_user_id" not in client.session
    wrong = log_in(client, "tina", "not-the-password-1").content.decode()
    assert "此账号已停用" not in wrong and "请输入一个正确的" in wrong
    assert "此账号已停用" not in log_in(client, "nobody", PASSWORD).content.decode()
    tina.is_active = True
    tina.save(update_fields=["is_active"])
    assert log_in(client, "tina", PASSWORD).status_code == 302  # active again: in


def test_the_audit_log_speaks_the_readers_words(client, county):
    with scopes_disabled(), set_actor(county.tina):
        home = HouseholdFactory(village=county.v_a, code="H-WORDS", phone="13912345678")
    client.force_login(county.aude)
    page = client.get("/audit/", {"household": "H-WORDS"})
    rows = page.context["rows"]
    created = next(r for r in rows if r["entry"].action == LogEntry.Action.CREATE and r["entry"].object_pk == str(
        home.pk) and r["entry"].content_type.model == "household")
    assert created["action"] == "新建"
    changes = {name: new for name, _old, new in created["changes"]}
    assert changes["户号代码"] == "H-WORDS" and changes["建档状态"] == "已建档" and changes["同意公示"] == "否"
    assert changes["联系电话"] == "139****5678"                      # still masked
    assert "id" not in changes and "phone" not in changes            # no raw names, no row id
    html = page.content.decode()
    assert "13912345678" not in html and ">create<" not in html and "archived" not in html


def test_other_changes_keep_their_names_in_the_readers_words(county):
    entry = LogEntry.objects.log_create(county.tom, action=LogEntry.Action.UPDATE, actor=county.ada,
                                        changes={"second_factor": ["***", ""], "is_active": ["True", "False"],
                                                 "something_new": ["a", "b"]})
    assert audit_log.action_label(entry) == "修改"
    shown = {name: (old, new) for name, old, new in audit_log.shown_changes(entry)}
    assert shown["第二重验证"] == ("***", "") and shown["something_new"] == ("a", "b")
    assert ("是", "否") in shown.values()


def test_a_role_change_in_the_inbox_names_no_village_and_links_only_for_administrators(client, county):
    adam = StaffFactory(role=Role.ADMIN, branch=None, head_office=county.head_office, user__username="adam").user
    client.force_login(county.ada)
    client.post(f"/staff/{county.tom.pk}/role/", {"role": Role.PRESIDENT, "branch": county.branch_a.pk,
                                                  "reason": "调任"})
    for reader, link in ((county.sue, False), (adam, True)):
        client.force_login(reader)
        page = client.get("/approvals/")
        row = next(r for r in page.context["pending"] if r["approval"].kind == "staff_role_change")
        assert row["village"] == "" and bool(row["url"]) is link
        assert (f'href="/staff/{county.tom.pk}/"' in page.content.decode()) is link
        assert county.v_a.name not in page.content.decode().split('id="inbox-pending"')[1].split("</table>")[0]
