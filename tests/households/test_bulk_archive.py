"""Bulk archiving (建档) after a roster import (issue 15 item 1; SPEC §11 `archive_households`): the service, the
household list's checked households and the batch command. Scope (R1): only the actor's editable villages, every id
checked again; H5/C4: an excluded household or one with a blacklisted member is refused by name, nothing written;
the audit (R4) names who archived."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from households.models import ArchiveStatus, Exclusion, Household
from households.services.archiving import BulkArchiveRefused, households_archive
from sunshine_credit.models import BlacklistEntry
from sunshine_credit.scoping import scope_for_user
from tests.commands import run_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(county):
    """东岭村: three households on the roster (A-0001…A-0003), one archived (A-0009), one excluded (A-0008);
    西河村 (王庄支行): one on the roster (B-0001)."""
    county.new = [county.household(county.v_a, archived=False, code=f"A-000{i}") for i in (1, 2, 3)]
    county.done = county.household(county.v_a, code="A-0009")
    county.excluded = county.household(county.v_a, code="A-0008", archive_status=ArchiveStatus.EXCLUDED,
                                       exclusion=Exclusion.IDLE)
    county.other = county.household(county.v_b, archived=False, code="B-0001")
    return county


def status(home) -> str:
    with scopes_disabled():
        return Household.objects.get(pk=home.pk).archive_status


def statuses(county) -> list[str]:
    return [status(home) for home in county.new]


def blacklist(county, home):
    with scopes_disabled():
        number = home.members.get(relation="户主").id_number
        BlacklistEntry.objects.create(head_office=county.head_office, id_number=number, reason="恶意逃废债")


def archive(county, user, village, ids=None):
    return households_archive(scope=scope_for_user(user), actor=user, village_ids=[village.pk], household_ids=ids)


# --- the service -----------------------------------------------------------------------------------------

def test_the_checked_households_are_archived_and_audited(roster):
    result = archive(roster, roster.tina, roster.v_a, [roster.new[0].pk, roster.new[1].pk, roster.done.pk])
    assert result.archived == ["A-0001", "A-0002"] and result.already == ["A-0009"]
    assert statuses(roster) == ["archived", "archived", "roster"]
    with scopes_disabled():
        entry = LogEntry.objects.get_for_object(Household.objects.get(pk=roster.new[0].pk)).first()
    assert entry.actor == roster.tina and entry.changes["archive_status"] == ["roster", "archived"]


def test_another_branchs_household_id_is_refused_and_nothing_is_written(roster):
    with pytest.raises(BulkArchiveRefused):
        archive(roster, roster.tina, roster.v_a, [roster.new[0].pk, roster.other.pk])
    assert statuses(roster) == ["roster"] * 3 and status(roster.other) == "roster"


def test_another_branchs_village_is_refused(roster):
    with pytest.raises(BulkArchiveRefused):
        archive(roster, roster.tina, roster.v_b, [roster.other.pk])
    assert status(roster.other) == "roster"


def test_read_only_roles_may_not_archive(roster):
    with pytest.raises(PermissionDenied):
        archive(roster, roster.pat, roster.v_a, [roster.new[0].pk])
    assert statuses(roster) == ["roster"] * 3


def test_blacklisted_and_excluded_households_are_refused_by_name_and_nothing_is_written(roster):
    blacklist(roster, roster.new[2])
    with pytest.raises(BulkArchiveRefused) as info:
        archive(roster, roster.tina, roster.v_a, [h.pk for h in roster.new] + [roster.excluded.pk])
    text = str(info.value)
    assert "A-0003" in text and "A-0008" in text and "A-0001" not in text
    assert statuses(roster) == ["roster"] * 3 and status(roster.excluded) == "excluded"


def test_a_whole_village_archives_its_roster_and_leaves_the_excluded(roster):
    result = archive(roster, roster.tina, roster.v_a)
    assert result.archived == ["A-0001", "A-0002", "A-0003"] and result.excluded == ["A-0008"]
    assert status(roster.excluded) == "excluded" and status(roster.other) == "roster"


# --- the page --------------------------------------------------------------------------------------------

def test_the_list_of_a_village_offers_the_checkboxes_to_its_officer(client, roster):
    client.force_login(roster.tina)
    page = client.get(f"/households/?village={roster.v_a.pk}").content.decode()
    assert 'id="bulk-archive"' in page and f'value="{roster.new[0].pk}"' in page
    assert f'name="households" value="{roster.done.pk}"' not in page  # archived already: no checkbox
    assert 'id="bulk-archive"' not in client.get("/households/").content.decode()  # no village chosen
    client.force_login(roster.pat)  # the president reads, never archives
    assert 'id="bulk-archive"' not in client.get(f"/households/?village={roster.v_a.pk}").content.decode()


def test_the_page_archives_the_checked_households(client, roster):
    client.force_login(roster.tina)
    response = client.post("/households/archive/", {"village": roster.v_a.pk,
                                                    "households": [roster.new[0].pk, roster.new[2].pk]}, follow=True)
    assert statuses(roster) == ["archived", "roster", "archived"]
    assert _("Households archived: %(n)d.") % {"n": 2} in response.content.decode()


def test_the_page_refuses_another_branchs_household(client, roster):
    client.force_login(roster.tina)
    client.post("/households/archive/", {"village": roster.v_a.pk, "households": [roster.new[0].pk, roster.other.pk]})
    assert statuses(roster) == ["roster"] * 3 and status(roster.other) == "roster"
    client.force_login(roster.bob)  # 西河村's officer, posting 东岭村's households
    client.post("/households/archive/", {"village": roster.v_a.pk, "households": [roster.new[0].pk]})
    assert statuses(roster) == ["roster"] * 3


def test_the_page_names_the_blacklisted_household(client, roster):
    blacklist(roster, roster.new[1])
    client.force_login(roster.tina)
    response = client.post("/households/archive/", {"village": roster.v_a.pk,
                                                    "households": [h.pk for h in roster.new]}, follow=True)
    assert "A-0002" in response.content.decode() and statuses(roster) == ["roster"] * 3


def test_a_read_only_role_gets_403(client, roster):
    client.force_login(roster.pat)
    response = client.post("/households/archive/", {"village": roster.v_a.pk, "households": [roster.new[0].pk]})
    assert response.status_code == 403 and statuses(roster) == ["roster"] * 3


# --- the batch command (SPEC §11) -------------------------------------------------------------------------

def test_the_command_archives_a_village(roster):
    code, payload = run_json("archive_households", "BRAV01", "--user", "tina")
    assert code == 0 and payload["ok"] and payload["archived"] == 3 and payload["skipped_excluded"] == ["A-0008"]
    assert statuses(roster) == ["archived"] * 3


def test_the_command_archives_named_households(roster):
    code, payload = run_json("archive_households", "BRAV01", "--user", "tina", "--household", "A-0002")
    assert code == 0 and payload["households"] == ["A-0002"] and statuses(roster) == ["roster", "archived", "roster"]


def test_the_command_refuses_another_branchs_village_and_writes_nothing(roster):
    code, payload = run_json("archive_households", "BRAV01", "BRBV01", "--user", "tina")
    assert code == 1 and not payload["ok"] and "BRBV01" in payload["message"]
    assert statuses(roster) == ["roster"] * 3 and status(roster.other) == "roster"


def test_the_command_refuses_another_branchs_household(roster):
    code, payload = run_json("archive_households", "BRAV01", "--user", "tina", "--household", "B-0001")
    assert code == 1 and "B-0001" in payload["message"] and status(roster.other) == "roster"


def test_the_command_names_a_blacklisted_household_and_writes_nothing(roster):
    blacklist(roster, roster.new[0])
    code, payload = run_json("archive_households", "BRAV01", "--user", "tina")
    assert code == 1 and any("A-0001" in message for message in payload["errors"])
    assert statuses(roster) == ["roster"] * 3


def test_the_command_usage_errors_exit_2(roster):
    code, payload = run_json("archive_households", "BRAV01", "--user", "nobody")
    assert code == 2 and not payload["ok"]
