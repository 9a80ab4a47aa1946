"""C4/R2/R5 (issue 16 item 5): the blacklist's pages — who reads them, the search (a name, or an ID number looked
up exactly), masking per role, adding, settling and asking for a removal through the pages, the workbook import
(all or nothing, errors by row and column, its template), and Django's admin left read-only."""

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from post_loan.models import BlacklistImport
from post_loan.rules.blacklist import add_years
from post_loan.services import blacklist as services
from sunshine_credit.lib.masking import mask_id
from sunshine_credit.models import Approval, BlacklistEntry, Role
from tests.factories import BranchFactory, HeadOfficeFactory, StaffFactory, make_id_number

LIST = reverse("post_loan:blacklist_list")


def entry_of(county, *, name="钱多多", number=None, user=None):
    user = user or county.tina
    return services.blacklist_add(scope=county.scope(user), actor=user, id_number=number or make_id_number(),
                                  name=name, reason="恶意拖欠贷款本息", source="清收台账", evidence="律师函回执")


def page(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def search(client, user, term, status="active"):
    """The search is posted; the answer redirects to the list, whose URL holds no search term (R5)."""
    client.force_login(user)
    response = client.post(LIST, {"q": term, "status": status})
    assert response.status_code == 302 and term not in response["Location"]
    return client.get(response["Location"])


# --- reading and searching --------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["tina", "bob", "ada", "pat", "pete", "sue", "aude"])
def test_readers_see_the_head_offices_list_with_ids_masked(client, county, who):
    number = make_id_number(sequence=31)
    entry_of(county, number=number)
    response = page(client, county[who], LIST)
    text = response.content.decode()
    assert response.status_code == 200 and "钱多多" in text
    assert number not in text and mask_id(number) in text


@pytest.mark.parametrize("who", ["tom", "tess"])
def test_tellers_get_404(client, county, who):
    entry = entry_of(county)
    assert page(client, county[who], LIST).status_code == 404
    assert page(client, county[who], reverse("post_loan:blacklist_detail", args=[entry.pk])).status_code == 404


def test_search_by_part_of_a_name_or_exactly_by_id_number(client, county):
    number = make_id_number(sequence=32)
    entry_of(county, name="钱多多", number=number)
    entry_of(county, name="孙少安")
    found = search(client, county.sue, "多多").content.decode()
    assert "钱多多" in found and "孙少安" not in found
    found = search(client, county.sue, number.lower()).content.decode()
    assert "钱多多" in found and "孙少安" not in found
    found = search(client, county.sue, number[:17]).content.decode()   # part of an ID finds nobody
    assert "钱多多" not in found and "孙少安" not in found
    assert "孙少安" in page(client, county.sue, LIST).content.decode()   # the list without ?search=1: no search


def test_removed_entries_are_listed_under_their_status(client, county):
    entry = entry_of(county, name="周大福")
    BlacklistEntry.objects.filter(pk=entry.pk).update(active=False)
    assert "周大福" not in page(client, county.sue, LIST).content.decode()
    assert "周大福" in page(client, county.sue, LIST, status="inactive").content.decode()
    assert "周大福" in page(client, county.sue, LIST, status="all").content.decode()


def test_the_list_reads_in_a_fixed_number_of_queries(client, county):
    client.force_login(county.sue)
    entry_of(county)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(6):
        entry_of(county, user=county.ada)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert response.content.decode().count('class="blacklist-row"') == 7
    assert len(many) == len(few)


@pytest.mark.parametrize("who, whole", [("tina", True), ("ada", True), ("bob", True), ("pat", False),
                                        ("sue", False), ("aude", False)])
def test_the_entry_page_shows_the_whole_id_to_makers_only(client, county, who, whole):
    number = make_id_number(sequence=33)
    entry = entry_of(county, number=number)
    text = page(client, county[who], reverse("post_loan:blacklist_detail", args=[entry.pk])).content.decode()
    assert (number in text) is whole
    assert mask_id(number) in text or whole


def test_another_head_office_gets_404_on_every_entry_page(client, county):
    entry = entry_of(county)
    other = HeadOfficeFactory(code="HQ2", name="另一家")
    admin2 = StaffFactory(head_office=other, role=Role.ADMIN, branch=None).user
    officer2 = StaffFactory(branch=BranchFactory(head_office=other), role=Role.OFFICER).user
    client.force_login(admin2)
    for name in ("blacklist_detail", "blacklist_settle"):
        assert client.get(reverse(f"post_loan:{name}", args=[entry.pk])).status_code == 404
    for name in ("blacklist_settle", "blacklist_remove"):
        response = client.post(reverse(f"post_loan:{name}", args=[entry.pk]),
                               {"reason": "probe", "settled_on": "2026-01-01", "version": entry.version})
        assert response.status_code == 404
    assert "钱多多" not in client.get(LIST).content.decode()
    assert "钱多多" not in page(client, officer2, LIST).content.decode()
    with scopes_disabled():
        assert not Approval.objects.exists()
    assert BlacklistEntry.objects.get(pk=entry.pk).settled_on is None


# --- adding, settling and asking for removal through the pages ------------------------------------------------------

def test_an_officer_adds_an_entry_and_an_invalid_id_is_shown_on_its_field(client, county):
    client.force_login(county.tina)
    form = {"name": "钱多多", "id_number": make_id_number(sequence=34), "reason": "恶意拖欠", "source": "清收台账",
            "evidence": "回执"}
    response = client.post(reverse("post_loan:blacklist_add"), form)
    entry = BlacklistEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("post_loan:blacklist_detail",
                                                                           args=[entry.pk])
    response = client.post(reverse("post_loan:blacklist_add"), form)   # the same person again
    assert response.status_code == 200 and response.context["form"].errors["id_number"]
    response = client.post(reverse("post_loan:blacklist_add"), {**form, "id_number": "110105194912310021"})
    assert response.context["form"].errors["id_number"]
    assert BlacklistEntry.objects.count() == 1


@pytest.mark.parametrize("who", ["pat", "sue", "aude"])
def test_readers_who_are_not_makers_get_no_form(client, county, who):
    assert page(client, county[who], reverse("post_loan:blacklist_add")).status_code == 404
    entry = entry_of(county)
    assert page(client, county[who], reverse("post_loan:blacklist_settle", args=[entry.pk])).status_code == 404
    assert b'id="removal-form"' not in page(client, county[who],
                                            reverse("post_loan:blacklist_detail", args=[entry.pk])).content


def test_settling_through_the_page_shows_the_erase_date(client, county):
    entry = entry_of(county)
    client.force_login(county.tina)
    today = timezone.localdate()
    response = client.post(reverse("post_loan:blacklist_settle", args=[entry.pk]),
                           {"settled_on": today.isoformat(), "version": entry.version})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.erase_on == add_years(today, 5)
    detail = client.get(reverse("post_loan:blacklist_detail", args=[entry.pk])).content.decode()
    assert f'id="entry-erase">{entry.erase_on:%Y-%m-%d}<' in detail
    response = client.post(reverse("post_loan:blacklist_settle", args=[entry.pk]),   # the stale form
                           {"settled_on": today.isoformat(), "version": entry.version - 1})
    assert response.status_code == 200 and response.context["form"].non_field_errors()


def test_removal_requested_on_the_page_waits_and_its_maker_cannot_approve_it(client, county):
    entry = entry_of(county)
    client.force_login(county.ada)
    response = client.post(reverse("post_loan:blacklist_remove", args=[entry.pk]), {"reason": "已核实结清"})
    assert response.status_code == 302
    with scopes_disabled():
        approval = Approval.objects.get(kind=services.REMOVAL_KIND)
    detail = client.get(reverse("post_loan:blacklist_detail", args=[entry.pk])).content.decode()
    assert 'id="removal-pending"' in detail and 'id="removal-form"' not in detail
    client.post(reverse("approval_decide", args=[approval.pk]), {"decision": "approve", "confirmed": "1"})
    assert BlacklistEntry.objects.get(pk=entry.pk).active
    with scopes_disabled():
        assert Approval.objects.get(pk=approval.pk).status == Approval.Status.PENDING


# --- the workbook import --------------------------------------------------------------------------------------------

HEADER = ["姓名", "身份证号", "原因", "来源", "证据"]


def workbook(rows) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "blacklist.xlsx"
    return out


def upload(client, county, rows, user=None):
    client.force_login(user or county.ada)
    return client.post(reverse("post_loan:blacklist_import"), {"file": workbook(rows)})


def test_a_good_workbook_creates_every_entry_and_records_the_import(client, county):
    one, two = make_id_number(sequence=41), make_id_number(sequence=42)
    response = upload(client, county, [["钱多多", one, "恶意逃废债", "县法院", "(2026)执字第1号"],
                                       ["孙少安", two, "失信被执行人", "最高法失信名单", ""]])
    assert response.status_code == 302
    assert set(BlacklistEntry.objects.filter(active=True).values_list("id_number", "created_by")) == {
        (one, county.ada.pk), (two, county.ada.pk)}
    item = BlacklistImport.objects.get()
    assert (item.rows_total, item.created_by, len(item.sha256), item.status) == (2, county.ada, 64, "applied")


def test_one_bad_row_writes_nothing_and_names_its_row_and_column(client, county):
    good = make_id_number(sequence=43)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = upload(client, county, [["钱多多", make_id_number(sequence=44), "恶意逃废债", "县法院", ""],
                                       ["孙少安", bad, "失信被执行人", "县法院", ""],
                                       ["", make_id_number(sequence=45), "恶意逃废债", "县法院", ""]])
    assert response.status_code == 200
    errors = {(e["row"], e["column"]) for e in response.context["rows"]}
    assert errors == {(3, "身份证号"), (4, "姓名")}
    assert not BlacklistEntry.objects.exists() and not BlacklistImport.objects.exists()


def test_duplicates_in_the_file_and_against_the_active_list_are_reported(client, county):
    listed, twice = make_id_number(sequence=46), make_id_number(sequence=47)
    entry_of(county, number=listed)
    response = upload(client, county, [["甲", twice, "恶意逃废债", "县法院", ""],
                                       ["乙", twice, "恶意逃废债", "县法院", ""],
                                       ["丙", listed, "恶意逃废债", "县法院", ""]])
    rows = response.context["rows"]
    assert {(e["row"], e["column"]) for e in rows} == {(3, "身份证号"), (4, "身份证号")}
    assert "2" in next(e["message"] for e in rows if e["row"] == 3)   # the row it already appears in
    assert BlacklistEntry.objects.count() == 1


def test_a_file_that_is_not_a_workbook_is_refused(client, county):
    client.force_login(county.ada)
    fake = io.BytesIO(b"not a workbook")
    fake.name = "blacklist.xlsx"
    response = client.post(reverse("post_loan:blacklist_import"), {"file": fake})
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not BlacklistEntry.objects.exists()


@pytest.mark.parametrize("who", ["tina", "pat", "sue"])
def test_only_the_administrator_imports(client, county, who):
    assert upload(client, county, [["钱多多", make_id_number(sequence=48), "恶意逃废债", "县法院", ""]],
                  user=county[who]).status_code == 404
    assert not BlacklistEntry.objects.exists()


def test_the_template_has_the_header_and_a_valid_example(client, county):
    response = page(client, county.ada, reverse("post_loan:blacklist_template"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER and sheet.cell(2, 2).data_type == "s"
    # The example row itself imports.
    assert upload(client, county, [list(rows[1])]).status_code == 302


# --- Django's admin: read-only -----------------------------------------------------------------------------------

def test_the_admin_neither_adds_changes_nor_deletes_entries(client, county):
    entry = entry_of(county)
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pass-word-123")
    client.force_login(root)
    base = "/admin/sunshine_credit/blacklistentry/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{entry.pk}/change/").status_code == 200     # viewing only
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"{base}{entry.pk}/change/", {"active": ""})
    client.post(base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert BlacklistEntry.objects.get(pk=entry.pk).active


# --- the batch interface (SPEC §11): manage.py import_blacklist ----------------------------------------------------

def run_command(*args):
    import json

    from django.core.management import call_command

    out = io.StringIO()
    try:
        call_command("import_blacklist", *args, "--json", stdout=out)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, json.loads(out.getvalue())


def test_the_command_imports_all_or_nothing(county, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook([["钱多多", make_id_number(sequence=51), "恶意逃废债", "县法院", ""]]).getvalue())
    status, result = run_command(str(good), "--user", "ada", "--dry-run")
    assert (status, result["ok"], result["rows"]) == (0, True, 1) and not BlacklistEntry.objects.exists()
    status, result = run_command(str(good), "--user", "ada")
    assert (status, result["status"]) == (0, "applied") and BlacklistEntry.objects.count() == 1
    status, result = run_command(str(good), "--user", "ada")   # the same people again: refused, nothing written
    assert status == 1 and result["errors"][0]["row"] == 2 and result["errors"][0]["column"] == "身份证号"
    assert BlacklistEntry.objects.count() == 1 and BlacklistImport.objects.count() == 1


def test_the_entry_page_links_the_household_only_within_the_users_villages(client, county):
    home = county.household()
    entry = entry_of(county, number=home.representative.id_number)
    url = reverse("post_loan:blacklist_detail", args=[entry.pk])
    assert home.code in page(client, county.tina, url).content.decode()     # 东岭村 is hers
    assert home.code not in page(client, county.bob, url).content.decode()  # 西河村's officer: not his village
    assert home.code in page(client, county.sue, url).content.decode()      # head office reads every village
