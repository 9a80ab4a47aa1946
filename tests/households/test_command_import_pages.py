"""Imports run from the command line without --user (issue 13.4): their pages show "系统", and a dry run
leaves no import row behind."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from households.models import RosterImport
from tests.households.roster_files import roster_bytes
from tests.households.test_roster_import import households_rows, run_command

pytestmark = pytest.mark.django_db


def test_import_without_user_shows_system_on_the_list_and_its_page(county, tmp_path, client):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_bytes(households_rows(county.v_a, 2, 2)))
    code, result = run_command(str(path))
    assert code == 0 and result["status"] == "applied"
    with scopes_disabled():
        assert RosterImport.objects.get(pk=result["import_id"]).created_by is None

    client.force_login(county.tina)
    listing = client.get(reverse("households:roster_import_list"))
    page = client.get(reverse("households:roster_import_detail", args=[result["import_id"]]))
    assert listing.status_code == 200 and page.status_code == 200
    assert "系统" in listing.content.decode() and "系统" in page.content.decode()


def test_dry_run_from_the_command_line_leaves_no_import_row(county, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_bytes(households_rows(county.v_a, 2, 2)))
    for who in ([], ["--user", county.tina.username]):
        code, result = run_command(str(path), "--dry-run", *who)
        assert code == 0 and result["status"] == "valid" and result["import_id"] is None
    with scopes_disabled():
        assert not RosterImport.objects.exists()
