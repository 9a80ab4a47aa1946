"""Issue 18 (R4's history at production size): the household page's change history finds the household's removed
members and the loans of every member it ever had — and nothing of another household's — by lookups PostgreSQL
answers from indexes (migration households/0005), never by reading every member or loan entry of the audit log."""

import pytest
from auditlog.context import set_actor
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from households.models import ExistingLoan, Member
from households.selectors import household_history
from tests.factories import ExistingLoanFactory, HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


def removed_with_a_loan(household, name, loan_no):
    member = MemberFactory(household=household, name=name)
    loan = ExistingLoanFactory(member=member, loan_number=loan_no)
    loan.delete()
    member.delete()


def history_text(household) -> str:
    with scopes_disabled():
        return " | ".join(f"{e.object_repr} {e.changes_text or ''} {e.changes}" for e in household_history(
            household=household))


def test_removed_members_and_their_loans_are_found_and_another_households_are_not(county):
    with scopes_disabled(), set_actor(county.tina):
        here = HouseholdFactory(village=county.v_a, code="HIST-1")
        there = HouseholdFactory(village=county.v_a, code="HIST-2")
        removed_with_a_loan(here, "离户甲", "LN-HERE")
        removed_with_a_loan(there, "离户乙", "LN-THERE")
        ExistingLoanFactory(member=MemberFactory(household=here, name="在户丙"), loan_number="LN-KEPT")
    text = history_text(here)
    assert "离户甲" in text and "LN-HERE" in text and "在户丙" in text and "LN-KEPT" in text
    assert "离户乙" not in text and "LN-THERE" not in text
    assert "离户乙" in history_text(there) and "LN-HERE" not in history_text(there)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's expression indexes")
def test_every_history_lookup_is_an_index_scan_with_a_large_audit_log(county):
    """200,000 member and loan entries of other households: each of the history's queries reads the audit log by
    an index (the removed members and the loans by the expression indexes), none by a Seq Scan."""
    with scopes_disabled(), set_actor(county.tina):
        here = HouseholdFactory(village=county.v_a, code="HIST-BIG")
        removed_with_a_loan(here, "离户甲", "LN-HERE")
    types = ContentType.objects.get_for_models(Member, ExistingLoan)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_repr, action, changes, changes_text, "
            "timestamp, additional_data, serialized_data) SELECT CASE WHEN i %% 2 = 0 THEN %s ELSE %s END, "
            "(1000000 + i)::text, 'x', 0, CASE WHEN i %% 2 = 0 THEN jsonb_build_object('household', "
            "jsonb_build_array(NULL, (2000000 + i)::text)) ELSE jsonb_build_object('member', "
            "jsonb_build_array(NULL, (3000000 + i)::text)) END, '', now(), NULL, NULL "
            "FROM generate_series(1, 200000) i", [types[Member].pk, types[ExistingLoan].pk])
        cursor.execute("ANALYZE auditlog_logentry")
    with scopes_disabled(), CaptureQueriesContext(connection) as captured:
        entries = household_history(household=here)
    assert {e.object_repr for e in entries} >= {"离户甲"}
    reads = [q["sql"] for q in captured.captured_queries if '"auditlog_logentry"' in q["sql"]]
    assert len(reads) == 3, reads
    with connection.cursor() as cursor:
        plans = []
        for sql in reads:
            cursor.execute("EXPLAIN " + sql)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert not any("Seq Scan on auditlog_logentry" in plan for plan in plans), plans
    assert "auditlog_logentry_household_ref" in plans[0], plans[0]
    assert "auditlog_logentry_member_ref" in plans[1], plans[1]
