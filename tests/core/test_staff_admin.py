"""SPEC §1 (the administrator does user set-up), R1, R2, R4, R9: the staff pages without Django's admin.

The head office's administrator lists, creates (a one-time password shown once, changed at the first login),
deactivates and reactivates logins (never their own), sets a loan officer's villages (directly, audited) and asks
for a new role, which another administrator or a supervisor approves (never the maker, nor the person; one
request per person waits at a time) and which applies only then. Every branch and village id is checked against
the head office in the service. Other roles, and the administrator of another head office, get 404 and nothing is
written."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django_scopes import scopes_disabled

from sunshine_credit.approvals import ApprovalRefused, approval_decide
from sunshine_credit.errors import Refusal
from sunshine_credit.models import Approval, HeadOffice, Role, RoleChange, StaffProfile
from sunshine_credit.scoping import scope_for_user
from sunshine_credit.staff import services
from tests.county import PASSWORD
from tests.factories import BranchFactory, StaffFactory, VillageFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW = "Shu-ye-Liang-7"


@pytest.fixture
def county(county):
    """The county, a second administrator adam, and olga, the administrator of another head office with a
    branch and a village of her own."""
    with scopes_disabled():
        county.adam = StaffFactory(role=Role.ADMIN, branch=None, head_office=county.head_office,
                                   user__username="adam").user
        other = HeadOffice.objects.create(code="HQ2", name="另一家农商银行")
        county.branch_x = BranchFactory(head_office=other, code="BRX", name="外行支行")
        county.v_x = VillageFactory(branch=county.branch_x, code="BRXV01", name="外行村")
        county.olga = StaffFactory(role=Role.ADMIN, branch=None, head_office=other, user__username="olga").user
    return county


def profile_of(user) -> StaffProfile:
    return StaffProfile.objects.select_related("user").get(user_id=user.pk)


def user_audit(user) -> list:
    return list(LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(User), object_pk=str(user.pk))
                .values_list("actor_id", "changes"))


def officer_form(county, **overrides) -> dict:
    data = {"username": "xiaoli", "name": "小李", "role": Role.OFFICER, "branch": county.branch_a.pk,
            "villages": [county.v_a.pk], "phone": "138 1234 5678"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- the list --------------------------------------------------------------------------------------------------

def test_the_list_searches_by_name_and_filters_by_branch_and_role(client, county):
    client.force_login(county.ada)
    page = client.get("/staff/").content.decode()
    assert "tina" in page and "bob" in page and "olga" not in page
    page = client.get("/staff/", {"q": "Tin"}).content.decode()
    assert "tina" in page and ">bob<" not in page
    page = client.get("/staff/", {"branch": county.branch_b.pk}).content.decode()
    assert "bob" in page and "pete" in page and ">tina<" not in page
    page = client.get("/staff/", {"role": Role.TELLER}).content.decode()
    assert ">tom<" in page and ">tess<" in page and ">tina<" not in page
    # Another head office's branch is not a choice: the filter is ignored, nothing of it is shown.
    page = client.get("/staff/", {"branch": county.branch_x.pk}).content.decode()
    assert "olga" not in page and "tina" in page


def test_the_list_masks_phones(client, county):
    with scopes_disabled():
        StaffProfile.objects.filter(user=county.tina).update(phone="13812345678")
    client.force_login(county.ada)
    page = client.get("/staff/").content.decode()
    assert "138****5678" in page and "13812345678" not in page


def test_the_list_reads_in_a_fixed_number_of_queries(client, county, django_assert_num_queries):
    client.force_login(county.ada)
    client.get("/staff/")
    with django_assert_num_queries(10) as captured:
        client.get("/staff/")
    with scopes_disabled():
        for n in range(6):
            StaffFactory(role=Role.OFFICER, branch=county.branch_a, head_office=county.head_office,
                         villages=[county.v_a], user__username=f"extra{n}")
    with django_assert_num_queries(len(captured)):
        assert "extra5" in client.get("/staff/").content.decode()


@pytest.mark.parametrize("who", ["tina", "pat", "tom", "sue", "aude"])
def test_other_roles_get_404_on_every_staff_page_and_nothing_is_written(client, county, who):
    client.force_login(county[who])
    target = county.bob.pk
    for url in ("/staff/", "/staff/new/", "/staff/import/", "/staff/import/template.xlsx", f"/staff/{target}/",
                f"/staff/{target}/villages/", f"/staff/{target}/role/"):
        assert client.get(url).status_code == 404, url
    for url in (f"/staff/{target}/active/", f"/staff/{target}/second-factor/", f"/staff/{target}/role/",
                f"/staff/{target}/villages/", "/staff/new/"):
        assert client.post(url, {"active": "0", "role": Role.TELLER, "branch": county.branch_b.pk,
                                 "reason": "x", **officer_form(county)}).status_code == 404, url
    assert User.objects.get(pk=target).is_active and not User.objects.filter(username="xiaoli").exists()
    assert not Approval.objects.exists()
    assert 'href="/staff/"' not in client.get("/password/").content.decode()


def test_the_administrator_of_another_head_office_gets_404(client, county):
    client.force_login(county.olga)
    tina = county.tina.pk
    for url in (f"/staff/{tina}/", f"/staff/{tina}/villages/", f"/staff/{tina}/role/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/staff/{tina}/active/", {"active": "0"}).status_code == 404
    assert client.post(f"/staff/{tina}/role/", {"role": Role.TELLER, "branch": county.branch_a.pk,
                                                "reason": "x"}).status_code == 404
    assert User.objects.get(pk=tina).is_active and not RoleChange.objects.exists()


# --- creating a login -----------------------------------------------------------------------------------------

def test_a_new_login_gets_a_one_time_password_shown_once(client, county):
    client.force_login(county.ada)
    page = client.post("/staff/new/", officer_form(county))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    password = page.context["password"]
    assert f'id="login-password">{password}<' in page.content.decode()
    with scopes_disabled():
        profile = profile_of(User.objects.get(username="xiaoli"))
        assert (profile.role, profile.branch_id, profile.head_office_id) == (Role.OFFICER, county.branch_a.pk,
                                                                             county.head_office.pk)
        assert profile.phone == "13812345678" and profile.must_change_password
        assert list(profile.user.assigned_villages.values_list("pk", flat=True)) == [county.v_a.pk]
        assert profile.user.check_password(password) and profile.user.first_name == "小李"
    assert password not in client.get("/staff/").content.decode()  # shown once only


@pytest.mark.parametrize("overrides, field", [
    ({"villages": "VB"}, "villages"),                          # a village of another branch
    ({"role": Role.ADMIN, "villages": None}, "branch"),        # a head-office role with a branch
    ({"branch": None, "villages": None}, "branch"),            # a loan officer without a branch
    ({"role": Role.TELLER}, "villages"),                       # villages for a teller
    ({"username": "tina"}, "username"),                        # taken
    ({"username": "TINA"}, "username"),                        # taken, whatever the case
    ({"username": "小李"}, "username"),                         # not what the login takes
    ({"phone": "12345"}, "phone"),
])
def test_a_refused_new_login_writes_nothing(client, county, overrides, field):
    if overrides.get("villages") == "VB":
        overrides["villages"] = [county.v_b.pk]
    client.force_login(county.ada)
    before = User.objects.count()
    page = client.post("/staff/new/", officer_form(county, **overrides))
    assert page.status_code == 200 and page.context["form"].errors.get(field), page.context["form"].errors
    assert User.objects.count() == before


def test_a_panel_reviewer_is_not_made_here(client, county):
    client.force_login(county.ada)
    page = client.post("/staff/new/", officer_form(county, role=Role.REVIEWER, villages=None))
    assert page.status_code == 200 and page.context["form"].errors.get("role")
    with pytest.raises(Refusal) as refused:
        services.staff_create(scope=scope_for_user(county.ada), actor=county.ada, username="rv", name="评",
                              role=Role.REVIEWER, branch_id=county.branch_a.pk)
    assert refused.value.code == "reviewer" and not User.objects.filter(username="rv").exists()


def test_the_service_checks_the_offered_ids_against_the_head_office(county):
    """Choices are input too (STYLE §3.4): a POST can name another head office's branch or village."""
    scope = scope_for_user(county.ada)
    with pytest.raises(Refusal) as refused:
        services.staff_create(scope=scope, actor=county.ada, username="x1", name="甲", role=Role.TELLER,
                              branch_id=county.branch_x.pk)
    assert refused.value.errors[0][0] == "branch"
    with pytest.raises(Refusal) as refused:
        services.staff_create(scope=scope, actor=county.ada, username="x1", name="甲", role=Role.OFFICER,
                              branch_id=county.branch_a.pk, village_ids=[county.v_x.pk])
    assert refused.value.errors[0][0] == "villages"
    with pytest.raises(Refusal):
        services.staff_set_villages(scope=scope, actor=county.ada, user_id=county.tina.pk, village_ids=[county.v_x.pk])
    assert not User.objects.filter(username="x1").exists()
    with pytest.raises(PermissionDenied):
        services.staff_create(scope=scope_for_user(county.pat), actor=county.pat, username="x1", name="甲",
                              role=Role.TELLER, branch_id=county.branch_a.pk)


# --- a password the administrator gave is changed first -------------------------------------------------------

def test_a_new_login_must_change_its_password_before_anything_else(client, county):
    client.force_login(county.ada)
    password = client.post("/staff/new/", officer_form(county)).context["password"]
    client.logout()
    assert client.post("/login/", {"username": "xiaoli", "password": password}).status_code == 302
    for url in ("/", "/households/", "/approvals/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/password/", url
    page = client.get("/password/")
    assert page.status_code == 200 and 'id="must-change-password"' in page.content.decode()
    client.post("/password/", {"old_password": password, "new_password1": NEW, "new_password2": NEW})
    assert not profile_of(User.objects.get(username="xiaoli")).must_change_password
    assert client.get("/").status_code == 200


def test_a_password_the_administrator_resets_must_be_changed_too(client, county):
    client.force_login(county.ada)
    client.post(f"/staff/{county.tina.pk}/password/", {"password1": NEW, "password2": NEW})
    assert profile_of(county.tina).must_change_password
    client.force_login(User.objects.get(pk=county.tina.pk))  # with the new password's hash
    assert client.get("/households/")["Location"] == "/password/"
    assert client.get("/logout/").status_code in (200, 302, 405)  # logging out stays open


def test_a_user_without_a_given_password_goes_straight_in(client, county):
    client.post("/login/", {"username": "tina", "password": PASSWORD})
    assert client.get("/").status_code == 200


# --- deactivating -----------------------------------------------------------------------------------------------

def test_deactivating_ends_the_login_and_is_audited(client, county):
    tina_client = client.__class__()
    tina_client.force_login(county.tina)
    assert tina_client.get("/").status_code == 200
    client.force_login(county.ada)
    response = client.post(f"/staff/{county.tina.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    assert not User.objects.get(pk=county.tina.pk).is_active
    assert user_audit(county.tina) == [(county.ada.pk, {"is_active": ["True", "False"]})]
    assert tina_client.get("/").status_code == 302  # her open session ended
    assert tina_client.post("/login/", {"username": "tina", "password": PASSWORD}).status_code == 200
    client.post(f"/staff/{county.tina.pk}/active/", {"active": "1"})
    assert User.objects.get(pk=county.tina.pk).is_active and len(user_audit(county.tina)) == 2


def test_nobody_deactivates_themself(client, county):
    client.force_login(county.ada)
    assert client.get(f"/staff/{county.ada.pk}/").status_code == 200
    client.post(f"/staff/{county.ada.pk}/active/", {"active": "0"})
    assert User.objects.get(pk=county.ada.pk).is_active and user_audit(county.ada) == []


# --- villages ----------------------------------------------------------------------------------------------------

def test_an_officers_villages_change_directly_and_are_audited(client, county):
    client.force_login(county.ada)
    assert client.get(f"/staff/{county.tina.pk}/villages/").status_code == 200
    response = client.post(f"/staff/{county.tina.pk}/villages/", {"villages": [county.v_a2.pk]})
    assert response.status_code == 302
    with scopes_disabled():
        assert list(county.tina.assigned_villages.values_list("pk", flat=True)) == [county.v_a2.pk]
    assert user_audit(county.tina) == [(county.ada.pk, {"villages": ["BRAV01、BRAV02", "BRAV02"]})]
    assert scope_for_user(county.tina).village_ids == (county.v_a2.pk,)


def test_villages_of_another_branch_are_refused(client, county):
    client.force_login(county.ada)
    page = client.post(f"/staff/{county.tina.pk}/villages/", {"villages": [county.v_b.pk]})
    assert page.status_code == 200 and page.context["form"].errors.get("villages")
    with scopes_disabled():
        assert county.tina.assigned_villages.count() == 2


# --- a role change by maker-checker (R2) --------------------------------------------------------------------

def request_role(client, county, user, role, branch=None, reason="调岗"):
    return client.post(f"/staff/{user.pk}/role/", {"role": role, "branch": branch.pk if branch else "",
                                                  "reason": reason})


def pending_approval(user) -> Approval:
    with scopes_disabled():
        return Approval.objects.get(kind=services.ROLE_CHANGE, subject_id=user.pk, status=Approval.Status.PENDING)


def test_a_role_change_waits_and_the_maker_cannot_approve_it(client, county):
    client.force_login(county.ada)
    assert request_role(client, county, county.tom, Role.PRESIDENT, county.branch_a).status_code == 302
    assert profile_of(county.tom).role == Role.TELLER  # not yet
    approval = pending_approval(county.tom)
    with pytest.raises(ApprovalRefused):
        approval_decide(scope=scope_for_user(county.ada), actor=county.ada, approval_id=approval.pk, approve=True)
    assert profile_of(county.tom).role == Role.TELLER
    # The inbox offers it to a supervisor, not to its maker.
    client.force_login(county.sue)
    inbox = client.get("/approvals/").content.decode()
    assert f"/approvals/{approval.pk}/decide/" in inbox
    client.post(f"/approvals/{approval.pk}/decide/", {"decision": "approve"})
    profile = profile_of(county.tom)
    assert (profile.role, profile.branch_id) == (Role.PRESIDENT, county.branch_a.pk)
    with scopes_disabled():
        assert RoleChange.objects.get(approval=approval).applied_at is not None


def test_a_second_request_for_the_same_person_is_refused(client, county):
    client.force_login(county.ada)
    request_role(client, county, county.tom, Role.PRESIDENT, county.branch_a)
    client.force_login(county.adam)
    page = request_role(client, county, county.tom, Role.OFFICER, county.branch_a)
    assert page.status_code == 200 and page.context["form"].non_field_errors()
    with scopes_disabled():
        assert RoleChange.objects.filter(user=county.tom).count() == 1


def test_the_person_whose_role_it_is_does_not_approve_it(client, county):
    client.force_login(county.ada)
    request_role(client, county, county.adam, Role.SUPERVISOR)
    approval = pending_approval(county.adam)
    with pytest.raises(ApprovalRefused):
        approval_decide(scope=scope_for_user(county.adam), actor=county.adam, approval_id=approval.pk, approve=True)
    approval_decide(scope=scope_for_user(county.sue), actor=county.sue, approval_id=approval.pk, approve=True)
    assert profile_of(county.adam).role == Role.SUPERVISOR


def test_another_administrator_approves_and_a_refusal_changes_nothing(client, county):
    client.force_login(county.ada)
    request_role(client, county, county.tom, Role.PRESIDENT, county.branch_a)
    approval = pending_approval(county.tom)
    with pytest.raises(ApprovalRefused):  # a refusal needs its reason
        approval_decide(scope=scope_for_user(county.adam), actor=county.adam, approval_id=approval.pk, approve=False)
    approval_decide(scope=scope_for_user(county.adam), actor=county.adam, approval_id=approval.pk, approve=False,
                    note="不合适")
    assert profile_of(county.tom).role == Role.TELLER
    request_role(client, county, county.tom, Role.PRESIDENT, county.branch_a)  # a new request may follow
    approval_decide(scope=scope_for_user(county.adam), actor=county.adam,
                    approval_id=pending_approval(county.tom).pk, approve=True)
    assert profile_of(county.tom).role == Role.PRESIDENT


def test_roles_that_do_not_check_cannot_decide(client, county):
    client.force_login(county.ada)
    request_role(client, county, county.tom, Role.PRESIDENT, county.branch_a)
    approval = pending_approval(county.tom)
    for user in (county.aude, county.pat):
        with pytest.raises((PermissionDenied, Approval.DoesNotExist)):
            approval_decide(scope=scope_for_user(user), actor=user, approval_id=approval.pk, approve=True)
    assert profile_of(county.tom).role == Role.TELLER


def test_an_officer_who_leaves_the_role_leaves_the_villages(client, county):
    client.force_login(county.ada)
    request_role(client, county, county.tina, Role.TELLER, county.branch_a)
    approval_decide(scope=scope_for_user(county.sue), actor=county.sue,
                    approval_id=pending_approval(county.tina).pk, approve=True)
    with scopes_disabled():
        assert county.tina.assigned_villages.count() == 0
    assert profile_of(county.tina).role == Role.TELLER
    assert (county.sue.pk, {"villages": ["BRAV01、BRAV02", ""]}) in user_audit(county.tina)


def test_a_role_changed_meanwhile_refuses_the_approval(client, county):
    client.force_login(county.ada)
    request_role(client, county, county.tom, Role.PRESIDENT, county.branch_a)
    approval = pending_approval(county.tom)
    with scopes_disabled():
        StaffProfile.objects.filter(user=county.tom).update(branch=county.branch_b)
    with pytest.raises(ApprovalRefused):
        approval_decide(scope=scope_for_user(county.sue), actor=county.sue, approval_id=approval.pk, approve=True)
    assert profile_of(county.tom).role == Role.TELLER and pending_approval(county.tom)


@pytest.mark.parametrize("role, branch, field", [
    (Role.PRESIDENT, None, "branch"),        # a branch role needs its branch
    (Role.SUPERVISOR, "a", "branch"),        # a head-office role names none
    (Role.TELLER, "a", "role"),              # nothing changes
    (Role.REVIEWER, "a", "role"),            # not offered
])
def test_a_refused_role_request_writes_nothing(client, county, role, branch, field):
    client.force_login(county.ada)
    page = request_role(client, county, county.tom, role, county.branch_a if branch else None)
    assert page.status_code == 200 and page.context["form"].errors.get(field), page.context["form"].errors
    assert not Approval.objects.exists() and not RoleChange.objects.exists()


def test_nobody_asks_for_their_own_role_nor_names_another_head_offices_branch(client, county):
    scope = scope_for_user(county.ada)
    with pytest.raises(Refusal):
        services.staff_role_change_request(scope=scope, actor=county.ada, user_id=county.ada.pk, role=Role.SUPERVISOR,
                                           branch_id=None, reason="x")
    with pytest.raises(Refusal) as refused:
        services.staff_role_change_request(scope=scope, actor=county.ada, user_id=county.tom.pk, role=Role.TELLER,
                                           branch_id=county.branch_x.pk, reason="x")
    assert refused.value.errors[0][0] == "branch"
    with pytest.raises(StaffProfile.DoesNotExist):
        services.staff_role_change_request(scope=scope, actor=county.ada, user_id=county.olga.pk,
                                           role=Role.SUPERVISOR, branch_id=None, reason="x")
    assert not RoleChange.objects.exists()


def test_a_reviewers_one_time_password_from_the_officer_must_be_changed_too(client, county):
    """The officer hands an external reviewer a one-time password (appraisal): changed at the first login too."""
    client.force_login(county.tina)
    response = client.post("/appraisal/reviewers/new/", {
        "branch": county.branch_a.pk, "name": "王老党员", "kind": "villager", "title": "老党员",
        "phone": "13900001111", "active": "on"})
    password = response.context["password"]
    client.logout()
    with scopes_disabled():
        username = StaffProfile.objects.get(role=Role.REVIEWER, user__first_name="王老党员").user.username
    client.post("/login/", {"username": username, "password": password})
    assert client.get("/appraisal/my/")["Location"] == "/password/"
    assert client.get("/password/").status_code == 200
    client.post("/password/", {"old_password": password, "new_password1": NEW, "new_password2": NEW})
    assert client.get("/appraisal/my/").status_code == 200


# --- the rules, without the database -------------------------------------------------------------------------

def test_the_role_words_of_the_workbook():
    from sunshine_credit.staff.rules import role_from_word

    assert [role_from_word(w) for w in ("客户经理", "支行行长", "柜员", "管理员", "督查员", "审计员", "评议员")] == [
        Role.OFFICER, Role.PRESIDENT, Role.TELLER, Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.REVIEWER]
    assert role_from_word(" officer ") == Role.OFFICER
    for word in ("", "经理", "Officer"):
        with pytest.raises(Refusal):
            role_from_word(word)


def test_a_user_name_is_what_the_login_takes_up_to_150():
    from sunshine_credit.staff.rules import check_username

    assert check_username(" a" + "b" * 149) == "a" + "b" * 149
    for bad in ("a" * 151, "", "小李", "li si"):
        with pytest.raises(Refusal):
            check_username(bad)


@pytest.mark.parametrize("role, branch, village_branches, code", [
    (Role.OFFICER, 1, [1, 1], None), (Role.OFFICER, 1, [], None), (Role.TELLER, 1, [], None),
    (Role.ADMIN, None, [], None), (Role.AUDITOR, None, [], None),
    (Role.OFFICER, None, [], "branch_needed"), (Role.PRESIDENT, None, [], "branch_needed"),
    (Role.SUPERVISOR, 1, [], "no_branch"), (Role.TELLER, 1, [1], "villages_officer"),
    (Role.OFFICER, 1, [1, 2], "villages_branch"), (Role.REVIEWER, 1, [], "reviewer"), ("boss", 1, [], "role"),
])
def test_what_each_role_needs(role, branch, village_branches, code):
    from sunshine_credit.staff.rules import check_assignment

    if code is None:
        check_assignment(role, branch, village_branches)
    else:
        with pytest.raises(Refusal) as refused:
            check_assignment(role, branch, village_branches)
        assert refused.value.code == code


@pytest.mark.parametrize("password, accepted", [("Qz-tr-uv-9", True), ("Qz-tr-uv9", False),
                                                ("8264937150264", False), ("password123", False)])
def test_passwords_have_ten_characters_are_not_all_digits_nor_common(client, county, password, accepted):
    client.force_login(county.ada)
    response = client.post(f"/staff/{county.tina.pk}/password/", {"password1": password, "password2": password})
    assert (response.status_code == 302) is accepted
    assert User.objects.get(pk=county.tina.pk).check_password(password) is accepted
