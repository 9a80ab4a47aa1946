"""manage.py seed_demo: a demo county with a user per role; a second run changes nothing."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Max
from django_scopes import scopes_disabled
from stdnum.cn import ric

from appraisal.models import Panel
from households.models import ArchiveStatus, ExistingLoan, Household, Member
from sunshine_credit.models import BlacklistEntry, Branch, Role, StaffProfile, Village
from sunshine_credit.scoping import scope_for_profile
from supervision.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def seed(*args) -> dict:
    out = io.StringIO()
    call_command("seed_demo", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def state():
    with scopes_disabled():
        return {
            "households": list(Household.objects.order_by("code").values_list(
                "code", "village__code", "group__name", "archive_status", "exclusion", "category", "version",
                "representative_id", "updated_at")),
            "members": Member.objects.aggregate(n=Max("id")),
            "loans": list(ExistingLoan.objects.order_by("id").values_list("id", "balance", "classification")),
            "users": list(get_user_model().objects.order_by("id").values_list("username", "password")),
            "villages": list(Village.objects.order_by("code").values_list("code", "officers__username")),
            "blacklist": list(BlacklistEntry.objects.values_list("id", "id_number")),
            "panels": list(Panel.objects.values_list("id", "status", "members__reviewer__user__username")),
        }


def test_seed_builds_a_demo_county():
    result = seed()
    assert result["ok"] is True and result["campaign"] == "2026A"
    totals = result["totals"]
    assert (totals["branches"], totals["villages"]) == (2, 5)
    assert totals["households"] >= 50 and totals["members"] > totals["households"]
    assert 0 < totals["excluded"] < totals["archived"] < totals["households"]
    assert totals["blacklist"] == 1 and totals["loans"] > 0 and totals["groups"] >= 5

    assert {login["role"] for login in result["logins"]} == set(Role.values)
    with scopes_disabled():
        for branch in Branch.objects.all():
            assert branch.approval_authority > 0 and branch.address and branch.phone and branch.supervision_phone
            for role in (Role.PRESIDENT, Role.OFFICER):
                assert StaffProfile.objects.filter(branch=branch, role=role).exists()
        for officer in StaffProfile.objects.filter(role=Role.OFFICER):
            assert officer.user.assigned_villages.exists()
            assert set(scope_for_profile(officer).village_ids) == set(officer.user.assigned_villages.values_list("id", flat=True))
        assert all(Village.objects.get(code=code).groups.exists() for code in ("BR01V01", "BR02V02"))
        excluded = Household.objects.filter(archive_status=ArchiveStatus.EXCLUDED)
        assert not excluded.filter(exclusion="").exists()
        assert not Household.objects.filter(representative=None).exists()
        for number in Member.objects.values_list("id_number", flat=True):
            assert ric.is_valid(number)
        listed = BlacklistEntry.objects.get()
        holder = Member.objects.get(id_number=listed.id_number)
        assert holder.household.archive_status == ArchiveStatus.EXCLUDED   # C4 blocks archiving

    user = get_user_model().objects.get(username="officer1")
    assert user.check_password(DEMO_PASSWORD) and result["password"] == DEMO_PASSWORD


def test_running_twice_changes_nothing():
    first = seed()
    before = state()
    second = seed()
    assert second["totals"] == first["totals"]
    assert set(second["created"].values()) == {0}
    assert state() == before


def test_text_output_lists_the_logins_and_the_open_panel():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    for username in ("admin", "supervisor", "president1", "officer1", "teller1", "auditor", "reviewer1"):
        assert username in text
    assert DEMO_PASSWORD in text
    assert "reviewer5" in text and "2026A" in text


def test_demo_panel_is_open_with_five_reviewer_logins():
    from appraisal.services.panels import check_panel

    result = seed()
    with scopes_disabled():
        panel = Panel.objects.get(pk=result["panel"])
        members = list(panel.members.values_list("position", "reviewer__user__username"))
        assert panel.status == Panel.Status.OPEN and panel.village.code == "BR01V01"
        check_panel(panel=panel, members=list(panel.members.values_list("reviewer_id", "position")))  # A1, A2
    assert [username for _position, username in members] == [f"reviewer{i}" for i in range(1, 6)]
    user = get_user_model().objects.get(username="reviewer5")
    assert user.check_password(DEMO_PASSWORD) and user.staff_profile.role == Role.REVIEWER


def test_demo_boards_one_published_with_lines_one_ready_to_publish(django_capture_on_commit_callbacks):
    from publicity.models import Notice

    with django_capture_on_commit_callbacks(execute=True):
        result = seed()
    assert result["created"]["signed_panels"] == 2 and result["created"]["notices"] == 1
    assert result["created"]["lines"] > 0  # its notice period is over: lines in effect for groups and drawdowns
    with scopes_disabled():
        notice = Notice.objects.get()
        assert notice.village.code == "BR01V02" and notice.status == Notice.Status.PUBLISHED and notice.file
        assert notice.items.count() > 0 and "拟第一批授信" == notice.snapshot["subtitle"]
        ready = Panel.objects.get(village__code="BR01V03")
        assert ready.status == Panel.Status.SIGNED and not Notice.objects.filter(village=ready.village).exists()
    assert seed()["created"]["notices"] == 0
