"""R1/O2 (SPEC §12, issue 13): the cross-branch probe over every URL pattern.

Every pattern of the root resolver is requested with GET and with POST:

- as the officer, president, teller and a seated reviewer of branch A (BR02), with the ids of branch B's (BR01)
  objects in the URL — and, where a URL names two objects, with A's own objects and one of B's: the answer is
  404 (or, for a page the role may not use at all, the same answer an id that does not exist gets: 403, 405,
  302), never 500, never a page with B's data, and nothing is written (no INSERT/UPDATE/DELETE during the
  request; row counts of every table and of the audit log unchanged);
- as the admin, supervisor and auditor of head office 1 — who read the whole head office by design — with the
  ids of a second head office's objects: likewise;
- pages without an id in the path (lists, forms, exports), and the user's own pages, are requested with the
  other side's ids in the query and in the POST: they answer without the other side's data, and what a POST
  does (its background jobs run too) changes nothing of the other side;
- the forms that take ids the form layer does not limit to a list (household codes, integers, JSON rows) are
  posted valid with the user's own objects but one of the other side's (STYLE §3.4, choices are input too):
  refused, nothing written, and answered exactly as an id that names nothing is.

The positive side: branch B's and head office 2's own staff reach every page with their ids (so the 404s are
not wrong ids), and a sample of detail pages shows the markers the leak check looks for.

The world is built once for the module: `seed_demo` (head office HQ01: BR01 full of data, BR02), and, by
`populate`, one probe village in each branch and in a second head office with an object of every kind a URL
takes an id of, in the state its page wants. A new URL pattern with a parameter fails
`test_every_url_pattern_is_probed` until PARAMS says which object it names (or EXCLUDED why it is not probed).
"""

import datetime
import io
import json
import re
import zipfile
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from appraisal.models import BookletImport, Decision, GapEdit, Panel
from credit_use.models import GuaranteeKind, Repayment, RevocationCase
from credit_use.rules.drawdowns import DOCUMENTS
from guarantee_groups.models import GroupMember, GuaranteeGroup
from households.models import ArchiveStatus, RosterImport
from post_loan.models import CollectionCase, CollectionEntry, Letter, Visit
from publicity.models import ItemStatus, Notice, NoticeItem, NoticeKind, Objection
from publicity.services import notice_publish
from sunshine_credit.models import (
    BlacklistEntry,
    Branch,
    CalendarDay,
    GeneratedFile,
    Job,
    Role,
    StaffProfile,
    UploadedImport,
    Village,
)
from supervision.models import Finding, ProgressReport, Review, SuggestionBoxOpening
from supervision.services import complaints as complaint_services
from surveys.models import SurveyImport
from surveys.services import limits as services_limits
from tests.appraisal.factories import PanelFactory, reviewer_with_login, seat
from tests.credit_use.factories_drawdowns import (
    create,
    decide,
    disbursed,
    pending_approval,
    post_loan_check,
    submit,
)
from tests.factories import (
    BranchFactory,
    ExistingLoanFactory,
    HeadOfficeFactory,
    HouseholdFactory,
    MemberFactory,
    StaffFactory,
    VillageFactory,
    VillageGroupFactory,
    make_id_number,
)
from tests.guarantee_groups.factories import give_line
from tests.surveys.factories import CampaignFactory, QuestionnaireFactory, RespondentFactory

# --- what is probed -----------------------------------------------------------------------------------------

# Patterns not probed, and why.
EXCLUDED = {
    "login": "signing in: no object and no scope yet (lockout is tested in test_security)",
    "logout": "signing out: no object; probing it would sign the prober out",
    "set_language": "the interface language: the session only, no tenant data",
    # Public by design (SPEC §1 "public"): the token is printed as a QR code on the board posted in the village,
    # and the pages show only what the printed board shows. They take no login, so there is no branch to cross.
    "public:objection_form": "public: a published board's QR-code token",
    "public:objection_done": "public: a published board's QR-code token and the objector's reference",
    "public:lookup": "public: an objection's status by its reference number (rate limited, test_public_form)",
    # V3: what a branch publishes (八公开), by its code, for anyone; only loan officers' names, villages, work
    # phones and photos (tests/supervision/test_disclosures.py).
    "public_sv:disclosure_public": "public: a branch's eight disclosures by its code (published on purpose)",
    "public_sv:disclosure_photo": "public: an active loan officer's photo by its random token",
    # V4: the complaint form an officer's card or a branch's QR code opens (random token in the query string),
    # its confirmation and the look-up: one complaint's status and reply, never contact data (test_complaints).
    "public_sv:complaint_done": "public: a complaint's confirmation by its unguessable reference number",
}
# Django's admin is the superuser's set-up tool and deliberately unscoped (ScopeMiddleware disables scopes for
# superusers there); everyone else is sent to its login page: test_admin_is_closed_to_every_other_login.
EXCLUDED_NAMESPACES = {"admin"}

# Which object each URL parameter names. A kind is a key of the ids `populate` returns.
PARAMS = {
    "staff_password": {"pk": "staff_user"},
    "staff_detail": {"pk": "staff_user"},
    "staff_active": {"pk": "staff_user"},
    "staff_villages": {"pk": "staff_user"},
    "staff_role": {"pk": "staff_user"},
    "staff_second_factor_reset": {"pk": "staff_user"},
    "generated_file_status": {"pk": "generated_file"},
    "generated_file_download": {"pk": "generated_file"},
    "calendar_day_edit": {"pk": "calendar_day"},
    "calendar_day_delete": {"pk": "calendar_day"},
    "failed_job_retry": {"pk": "failed_job"},
    "households:household_detail": {"pk": "household"},
    "households:household_edit": {"pk": "household"},
    "households:existing_loan_create": {"pk": "household"},
    "households:existing_loan_edit": {"pk": "existing_loan"},
    "households:existing_loan_delete": {"pk": "existing_loan"},
    "households:roster_import_detail": {"pk": "roster_import"},
    "households:roster_import_confirm": {"pk": "roster_import"},
    "surveys:campaign_detail": {"pk": "campaign"},
    "surveys:campaign_edit": {"pk": "campaign"},
    "surveys:respondent_list": {"pk": "campaign", "village_pk": "village"},
    "surveys:respondent_create": {"pk": "campaign", "village_pk": "village"},
    "surveys:respondent_edit": {"pk": "campaign", "village_pk": "village", "respondent_pk": "respondent"},
    "surveys:respondent_draw": {"pk": "campaign", "village_pk": "village"},
    "surveys:questionnaire_blank_pdf": {"pk": "campaign", "village_pk": "village"},
    "surveys:survey_import_detail": {"pk": "survey_import"},
    "surveys:survey_import_confirm": {"pk": "survey_import"},
    "surveys:entry_grid": {"campaign": "campaign", "village": "village", "group": "village_group",
                           "respondent": "respondent"},
    "surveys:entry_row_save": {"campaign": "campaign", "village": "village", "respondent": "respondent"},
    "surveys:summary_village": {"campaign": "campaign", "village": "village"},
    "surveys:summary_household": {"campaign": "campaign", "household": "household"},
    "surveys:limits_compute_start": {"pk": "campaign"},
    "surveys:limits_job": {"pk": "campaign", "job": "limits_job"},
    "appraisal:panel_detail": {"pk": "panel_open"},
    "appraisal:panel_edit": {"pk": "panel_open"},
    "appraisal:panel_round": {"pk": "panel_open", "action": "round_action"},
    "appraisal:gap_decide": {"pk": "panel_open", "gap": "gap_edit"},
    "appraisal:reviewer_edit": {"pk": "reviewer"},
    "appraisal:reviewer_password": {"pk": "reviewer"},
    "appraisal:seat_home": {"panel": "panel_open"},
    "appraisal:seat_grid": {"panel": "panel_open", "group": "village_group"},
    "appraisal:seat_row_save": {"panel": "panel_open"},
    "appraisal:seat_gap_form": {"panel": "panel_open", "household": "household"},
    "appraisal:booklet_export": {"pk": "panel_open"},
    "appraisal:booklet_import_list": {"pk": "panel_open"},
    "appraisal:booklet_import_detail": {"pk": "booklet_import"},
    "appraisal:booklet_import_confirm": {"pk": "booklet_import"},
    "appraisal:precheck_list": {"pk": "panel_closed"},
    "appraisal:precheck_run": {"pk": "panel_closed"},
    "appraisal:precheck_override": {"pk": "panel_closed", "decision": "decision"},
    "appraisal:precheck_decision": {"pk": "decision"},
    "appraisal:precheck_audit_list": {"pk": "campaign"},
    "appraisal:precheck_audit_export": {"pk": "campaign"},
    "appraisal:appraised_list": {"pk": "campaign"},
    "appraisal:decisions": {"pk": "panel_closed"},
    "appraisal:decisions_accept": {"pk": "panel_closed"},
    "appraisal:decision_save": {"pk": "panel_closed", "decision": "decision"},
    "appraisal:sign_off_paper": {"pk": "panel_closed"},
    "appraisal:decisions_sheet_pdf": {"pk": "panel_closed"},
    "appraisal:decision_goto": {"pk": "decision"},
    "appraisal:seat_sign_off": {"panel": "panel_closed"},
    "appraisal:seat_decisions": {"panel": "panel_closed"},
    "approval_decide": {"pk": "approval"},
    "publicity:board_publish": {"panel_pk": "panel_ready"},
    "publicity:campaign_publish": {"campaign_pk": "campaign_ready"},
    "publicity:published_list": {"campaign_pk": "campaign"},
    "publicity:notice_detail": {"pk": "notice"},
    "publicity:notice_retry": {"pk": "notice_failed"},
    "publicity:notice_pdf": {"pk": "notice"},
    "publicity:objection_lodge": {"pk": "notice"},
    "publicity:item_reconsider": {"pk": "notice_item"},
    "credit_use:line_detail": {"pk": "line"},
    "credit_use:export_precredit": {"campaign_pk": "campaign_signed"},
    "credit_use:drawdown_repayments": {"pk": "drawdown_disbursed"},
    "credit_use:revocation_detail": {"pk": "revocation"},
    "credit_use:drawdown_create": {"line_pk": "line"},
    "credit_use:drawdown_detail": {"pk": "drawdown_pending"},
    "credit_use:drawdown_edit": {"pk": "drawdown_draft"},
    "credit_use:drawdown_submit": {"pk": "drawdown_draft"},
    "credit_use:drawdown_disburse": {"pk": "drawdown_approved"},
    "credit_use:drawdown_slip": {"pk": "drawdown_disbursed"},
    "credit_use:drawdown_post_loan_check": {"pk": "drawdown_disbursed"},
    "credit_use:line_change": {"pk": "line"},
    "guarantee_groups:group_detail": {"pk": "guarantee_group"},
    "guarantee_groups:group_update": {"pk": "guarantee_group"},
    "guarantee_groups:member_add": {"pk": "guarantee_group"},
    "guarantee_groups:member_remove": {"pk": "guarantee_group", "household_pk": "household"},
    "guarantee_groups:group_dissolve": {"pk": "guarantee_group"},
    "guarantee_groups:group_register": {"village_pk": "village"},
    "post_loan:visit_detail": {"pk": "visit"},
    "post_loan:visit_record": {"pk": "visit"},
    "post_loan:visit_blank_pdf": {"pk": "visit"},
    "post_loan:visit_file": {"pk": "visit", "which": "visit_file"},
    "post_loan:visit_add": {"pk": "drawdown_disbursed"},
    "post_loan:reminder_call": {"pk": "drawdown_disbursed"},
    "post_loan:blacklist_detail": {"pk": "blacklist_entry"},
    "post_loan:blacklist_settle": {"pk": "blacklist_entry"},
    "post_loan:blacklist_remove": {"pk": "blacklist_entry"},
    "post_loan:classification_village": {"village_pk": "village"},
    "post_loan:classification_detail": {"pk": "drawdown_disbursed"},
    "post_loan:letter_receipt": {"pk": "letter"},
    "post_loan:letter_scan": {"pk": "letter"},
    "post_loan:lawyer_edit": {"branch_pk": "branch"},
    "disclosure_edit": {"branch_pk": "branch"},
    "disclosure_history": {"branch_pk": "branch"},
    "disclosure_officer_edit": {"branch_pk": "branch", "user_pk": "staff_user"},
    "disclosure_board_commitments": {"branch_pk": "branch"},
    "disclosure_board_process": {"branch_pk": "branch"},
    "disclosure_board_officers": {"branch_pk": "branch"},
    "post_loan:case_detail": {"pk": "collection_case"},
    "post_loan:case_entry": {"pk": "collection_case"},
    "post_loan:case_classify": {"pk": "collection_case"},
    "post_loan:plan_propose": {"pk": "collection_case"},
    "post_loan:promise_mark": {"pk": "collection_entry"},
    "review_detail": {"pk": "review"},
    "review_finding_add": {"pk": "review"},
    "review_finding_close": {"pk": "review_finding"},
    "complaint_detail": {"pk": "complaint"},
    "stage_plan_edit": {"campaign_pk": "campaign"},
    "progress_report_xlsx": {"pk": "progress_report"},
    "progress_report_pdf": {"pk": "progress_report"},
    "overview_branch": {"pk": "branch"},
    "overview_branch_export": {"pk": "branch"},
    "overview_village": {"pk": "village"},
    "overview_village_export": {"pk": "village"},
    "overview_officer": {"pk": "staff_user"},
    "overview_officer_export": {"pk": "staff_user"},
    "suggestion_opening_detail": {"pk": "suggestion_opening"},
    "suggestion_opening_confirm": {"pk": "suggestion_opening"},
    "suggestion_opening_card": {"pk": "suggestion_opening"},
    "public:objection_form": {"token": "notice_token"},
    "public:objection_done": {"token": "notice_token", "reference": "objection_reference"},
}
# Campaigns belong to the whole head office (SPEC §4), and so does the blacklist (C4): every branch's staff read them, and a page naming only a
# campaign shows what of it lies in the user's scope. Between branches such a page is probed like a page without
# ids (nothing of the other branch shown or written); between head offices a campaign is as foreign as any id.
HEAD_OFFICE_KINDS = {"campaign", "campaign_ready", "campaign_signed", "blacklist_entry"}
# Parameters that are words, not ids: the same in every probe.
LITERALS = {"visit_file": "borrower", "round_action": "close"}

# Pages without an id in the path that take ids in the query string.
QUERIES = {
    "households:household_list": {"village": "village", "group": "village_group"},
    "households:household_export": {"village": "village", "group": "village_group"},
    "surveys:entry_start": {"campaign": "campaign", "village": "village", "group": "village_group",
                            "respondent": "respondent"},
    "surveys:summary_start": {"campaign": "campaign", "village": "village"},
    "appraisal:panel_list": {"campaign": "campaign"},
    "publicity:board_list": {"campaign": "campaign_ready"},
    "credit_use:line_list": {"village": "village", "campaign": "campaign_signed"},
    "guarantee_groups:group_list": {"village": "village"},
    "guarantee_groups:group_form": {"village": "village"},
    "post_loan:letter_list": {"village": "village"},
    "post_loan:case_list": {"village": "village"},
    # V1: the lists a dashboard's figures open, narrowed to a branch, village or officer
    "credit_use:drawdown_list": {"village": "village"},
    "credit_use:time_limit_breaches": {"branch": "branch"},
    "post_loan:visit_list": {"officer": "staff_user"},
    "post_loan:visit_rate": {"village": "village"},
    "post_loan:repayment_rate": {"branch": "branch"},
    "post_loan:classification_report": {"officer": "staff_user"},
    "complaint_list": {"branch": "branch"},
    "appraisal:appraised_list": {"village": "village"},
    "publicity:published_list": {"officer": "staff_user"},
}
# Pages whose content is the same for every user: the empty import templates, whose example row carries the
# sample workbook's codes (BR01V01, 东岭村), which are also the demo's branch B.
FIXED_CONTENT = {"households:roster_template", "surveys:survey_template"}
# Views that read a JSON body (the entry grids' row saves).
JSON_BODIES = {"surveys:entry_row_save", "appraisal:seat_row_save"}


def post_body(name: str, ids: dict, version: int) -> dict:
    """A POST naming the other side's objects in the fields the forms read ids from, with what each action's form
    needs besides (a probe POSTs an action, not just an empty form)."""
    today = timezone.localdate().isoformat()
    body = {"version": version, "village": ids["village"], "group": ids["village_group"], "household": ids["household"],
            "households": [ids["household"]], "leader": ids["household"], "member": ids["member"],
            "campaign": ids["campaign"], "branch": ids["branch"], "reason": "probe", "note": "probe",
            "confirmed": "1"}  # issue 15 item 5: past the confirmation pages, to the action itself
    extra = {
        "approval_decide": {"decision": "approve"},
        "appraisal:decision_save": {"status": "granted", "amount": "1000"},
        "appraisal:sign_off_paper": {"member": ids["panel_member_closed"]},
        "appraisal:gap_decide": {"confirm": "1"},
        "appraisal:seat_gap_form": {"field": "address", "value": "probe"},
        "surveys:questionnaire_blank_pdf": {"respondent": ids["respondent_code"]},
        "surveys:respondent_draw": {"size": 1},
        "surveys:entry_row_save": {"version": 0, "amount": "10000", "net_income": "30000"},
        "appraisal:seat_row_save": {"version": 0, "amount": "10000", "rating": 1},
        "credit_use:drawdown_submit": {"opinion": "probe"},
        "credit_use:line_change": {"amount": "1000"},
        "credit_use:drawdown_post_loan_check": {"checked_on": today},
        "credit_use:drawdown_repayments": {"kind": "interest", "amount": "10", "paid_on": today},
        "publicity:item_reconsider": {"outcome": "upheld"},
        "publicity:objection_lodge": {"line_no": 1, "content": "probe"},
        "post_loan:blacklist_settle": {"settled_on": today},
        "post_loan:promise_mark": {"kept": "1"},
        "post_loan:classification_detail": {"grade": 5},
    }
    return {**body, **extra.get(name, {})}


def choice_forms(ids: dict) -> dict:
    """Valid POSTs with the side's own objects, for the forms whose id fields the form layer does not limit to a
    list (a household code, an integer, a JSON row): STYLE §3.4, choices are input too, so the service checks
    them against the scope. name → (body, {field: the kind of the other side's id the probe puts in it})."""
    today = timezone.localdate()
    drawdown = {"amount": "1.2万", "purpose": "购买化肥", "applied_on": today.isoformat(),
                "due_on": (today + datetime.timedelta(days=150)).isoformat(), "annual_rate": "6.5",
                "guarantee": "guarantors", "documents": list(DOCUMENTS), "authority": "branch", "small_farm": "on",
                "guarantors-TOTAL_FORMS": "1", "guarantors-INITIAL_FORMS": "0", "guarantors-MIN_NUM_FORMS": "0",
                "guarantors-MAX_NUM_FORMS": "5", "guarantors-0-code": ids["guarantor_code"],
                "guarantors-0-amount": "12000"}
    reviewer = {"branch": ids["branch"], "name": "探针评议员", "kind": "villager", "title": "", "phone": "",
                "active": "on", "household_code": ids["household_code"]}
    row = {"household": ids["household_2"], "version": 0, "representative": "", "business_codes": "1",
           "withhold_reasons": "", "members_away": "否", "total_assets": "100000", "total_liabilities": "0",
           "net_income": "30000", "amount": "20000"}
    return {
        "guarantee_groups:group_form": ({"households": [ids["free_1"], ids["free_2"], ids["free_3"]],
                                         "leader": ids["free_1"], "name": "", "allows_outside": "on"},
                                        {"households": "household", "leader": "household"}),
        "guarantee_groups:member_add": ({"version": ids["guarantee_group_version"], "household": ids["free_1"]},
                                        {"household": "household"}),
        "credit_use:drawdown_create": (drawdown, {"guarantors-0-code": "guarantor_code"}),
        "credit_use:drawdown_edit": ({**drawdown, "version": ids["drawdown_draft_version"]},
                                     {"guarantors-0-code": "guarantor_code"}),
        "appraisal:reviewer_create": (reviewer, {"household_code": "household_code"}),
        "appraisal:reviewer_edit": (reviewer, {"household_code": "household_code"}),
        "appraisal:sign_off_paper": ({"member": ids["panel_member_closed"], "confirmed": "1"},
                                     {"member": "panel_member_closed"}),
        "appraisal:seat_gap_form": ({"field": "member_phone", "value": "13900001234", "member": ids["member"]},
                                    {"member": "member"}),
        "appraisal:seat_row_save": ({"household": ids["household"], "version": 0, "amount": "10000",
                                     "withhold_reasons": "", "rating": 2}, {"household": "household"}),
        "surveys:entry_row_save": (row, {"household": "household", "representative": "member"}),
    }


def swapped(body: dict, field: str, value) -> dict:
    """The body with the other side's id in `field` (in a list: in place of its last id)."""
    current = body[field]
    return {**body, field: [*current[:-1], value] if isinstance(current, list) else value}


# --- the world ---------------------------------------------------------------------------------------------

AMOUNTS = (50000, 40000, 30000, 40000)


def populate(*, head_office, branch, label: str, code: str, officer, president, teller, campaigns: dict) -> dict:
    """A new village of `branch` (`officer` in charge) with one object of every kind a URL takes an id of, in the
    state its page wants. Returns {kind: id} (see PARAMS), the objects' versions and the markers of its data."""
    today = timezone.localdate()
    village = VillageFactory(branch=branch, code=f"{code}V", name=f"{label}探针村")
    village.officers.add(officer)
    group = VillageGroupFactory(village=village, name="1组")
    homes = [HouseholdFactory(village=village, group=group, code=f"{code}-{i + 1:04d}",
                              address=f"{village.name}1组{i + 1}号", archive_status=ArchiveStatus.ARCHIVED,
                              publicity_consent=True,
                              head__name=f"{label}农户{'一二三四'[i]}") for i in range(len(AMOUNTS))]
    # Three more with lines in effect and in no group: a new group's members (the choice probes).
    free = [HouseholdFactory(village=village, group=group, code=f"{code}-{i + 5:04d}", address=f"{village.name}2组",
                             archive_status=ArchiveStatus.ARCHIVED, head__name=f"{label}农户{'五六七'[i]}")
            for i in range(3)]
    MemberFactory(household=homes[0], relation="配偶", name=f"{label}秀英")
    loan = ExistingLoanFactory(member=homes[0].representative)
    uploaded = {"head_office": head_office, "branch_ids": [branch.pk], "village_ids": [village.pk],
                "sha256": "0" * 64, "status": UploadedImport.Status.VALID, "created_by": officer}

    # Questionnaires (S1, S2) and the imports and files of the batch interface (§11).
    respondent = RespondentFactory(village=village, code=f"{code}-R01", name=f"{label}调查员")
    QuestionnaireFactory(campaign=campaigns["open"], household=homes[0], respondent=respondent, surveyor=officer)
    survey_import = SurveyImport.objects.create(campaign=campaigns["open"], file_name=f"{code}-survey.xlsx", **uploaded)
    roster_import = RosterImport.objects.create(file_name=f"{code}-roster.xlsx", **uploaded)
    limits_job = Job.objects.create(task_name=services_limits.TASK_NAME, kwargs={"campaign_id": campaigns["open"].pk},
                                    created_by=officer, status=Job.Status.DONE)
    generated = GeneratedFile.objects.create(
        head_office=head_office, village=village, kind="probe", title=f"{label}探针文件", language="zh-hans",
        file_name="probe.pdf", content_type="application/pdf", created_by=officer)
    generated.file.save("probe.pdf", ContentFile(b"%PDF-1.4 probe"), save=False)
    generated.status = GeneratedFile.Status.DONE
    generated.save()

    # Appraisal (A1–A7): a panel in each stage, one seated reviewer with a login, a proposed gap, a booklet.
    reviewer = reviewer_with_login(branch, name=f"{label}评议员")
    stages = {"open": Panel.Status.OPEN, "closed": Panel.Status.CLOSED, "signed": Panel.Status.SIGNED,
              "ready": Panel.Status.SIGNED}
    panels, seats = {}, {}
    for stage, status in stages.items():
        panels[stage] = PanelFactory(campaign=campaigns[stage], village=village, status=status, created_by=officer,
                                     opened_at=timezone.now())
        seats[stage] = seat(panels[stage], reviewer, 1, "leader")
    gap = GapEdit.objects.create(panel=panels["open"], household=homes[0], field=GapEdit.Field.ADDRESS,
                                 value="probe", proposed_by=seats["open"])
    booklet = BookletImport.objects.create(panel=panels["open"], file_name=f"{code}-booklet.xlsx", **uploaded)
    decisions = {stage: [Decision.objects.create(
        campaign=campaigns[stage], panel=panels[stage], household=home, computed_status="granted",
        computed_amount=Decimal(amount), status="granted", amount=Decimal(amount), decided_by=officer,
        decided_at=timezone.now())
        for home, amount in zip(homes, AMOUNTS, strict=True)]
        for stage in ("closed", "signed", "ready")}

    # Publicity (P1–P4): the signed panel's board, printed, with an objection that froze its first line; a
    # register whose printing failed.
    notice = Notice.objects.create(
        head_office=head_office, village=village, kind=NoticeKind.PRECREDIT, campaign=campaigns["signed"],
        panel=panels["signed"], title=f"{label}探针村授信公示", starts_on=today, ends_on=today + datetime.timedelta(days=2),
        public_token=f"probe-{code}", status=Notice.Status.PUBLISHED, published_by=officer)
    notice.file.save(f"{code}.pdf", ContentFile(b"%PDF-1.4 probe board"), save=True)
    items = [NoticeItem.objects.create(notice=notice, line_no=i + 1, household=home, decision=decision,
                                       group_name=group.name, name=f"{label}*{i + 1}", amount=decision.amount)
             for i, (home, decision) in enumerate(zip(homes, decisions["signed"], strict=True))]
    objection = Objection.objects.create(notice=notice, item=items[0], reference=f"{code}-OBJ", content="probe",
                                         channel=Objection.Channel.COUNTER, lodged_by=officer)
    NoticeItem.objects.filter(pk=items[0].pk).update(status=ItemStatus.FROZEN)
    failed = notice_publish(actor=officer, kind=NoticeKind.LARGE_LOANS, village=village, period="2026-10",
                            title=f"{label}探针村大额贷款公开簿", columns=[{"label": "户名", "num": False}],
                            rows=[(group.name, [f"{label}*一"], None)], starts_on=today, days=3)
    Notice.objects.filter(pk=failed.pk).update(status=Notice.Status.FAILED)
    # Issue 18.6: a failed job of the side (its administrator sends it again: the board is printed already, so
    # running it changes nothing).
    failed_job = Job.objects.create(task_name="publicity.render_notice", kwargs={"notice_id": notice.pk},
                                    created_by=officer, status=Job.Status.FAILED, attempts=1, error="probe")

    # Credit use (§7, §8): lines in effect, a joint-guarantee group of three, drawdowns in each state through
    # the services (the pending one waits in the president's inbox), a repayment, a revocation case.
    lines = [give_line(home, amount, campaign=campaigns["signed"]) for home, amount in zip(homes, AMOUNTS, strict=True)]
    for home in free:
        give_line(home, 20000, campaign=campaigns["signed"])
    guarantee_group = GuaranteeGroup.objects.create(
        head_office=head_office, village=village, number=1, name=f"{label}联保1组", leader=homes[0],
        created_by=officer, checked_at=timezone.now())
    for home in homes[:3]:
        GroupMember.objects.create(group=guarantee_group, household=home)
    flow = {"tina": officer, "pat": president, "tom": teller, "lines": lines, "h": homes, "head_office": head_office}
    drawdown_disbursed = disbursed(flow, 0)
    post_loan_check(flow, drawdown_disbursed)  # U6: the group's next member may borrow
    drawdown_approved = create(flow, 1)
    submit(flow, drawdown_approved)
    decide(flow, drawdown_approved)
    drawdown_pending = create(flow, 2)
    submit(flow, drawdown_pending)
    drawdown_draft = create(flow, 3, guarantee=GuaranteeKind.GUARANTORS, guarantors=((homes[1].code, None),))
    Repayment.objects.create(drawdown=drawdown_disbursed, kind=Repayment.Kind.INTEREST, amount=Decimal(10),
                             paid_on=today, recorded_by=teller)
    revocation = RevocationCase.objects.create(head_office=head_office, village=village, drawdown=drawdown_disbursed,
                                               cause=RevocationCase.Cause.OVERDUE, found_on=today)
    revocation.lines.add(lines[0])
    # C1: a recorded visit of the disbursed loan, with a drawn signature (its file is served through the scope).
    visit = Visit.objects.create(head_office=head_office, village=village, household=homes[0],
                                 drawdown=drawdown_disbursed, officer=officer, kind=Visit.Kind.SCHEDULED,
                                 period_start=today.replace(day=1), due_on=today, visited_on=today,
                                 funds_as_applied=True, operation=f"{label}探针走访", recorded_by=officer)
    visit.borrower_signature.save("probe.png", ContentFile(b"\x89PNG\r\n\x1a\nprobe"), save=True)
    # C2/C3: an overdue notice of the disbursed loan with its receipt's scan; its collection case with a promise.
    letter = Letter.objects.create(
        head_office=head_office, village=village, drawdown=drawdown_disbursed, kind=Letter.Kind.OVERDUE,
        recipient=homes[0], recipient_role=Letter.Role.BORROWER, recipient_name=f"{label}农户一", issued_on=today,
        principal=drawdown_disbursed.amount, due_on=drawdown_disbursed.due_on)
    letter.receipt_scan.save("probe.png", ContentFile(b"\x89PNG\r\n\x1a\nprobe"), save=True)
    collection_case = CollectionCase.objects.create(
        head_office=head_office, village=village, drawdown=drawdown_disbursed, opened_on=today, limitation_from=today,
        limitation_ends_on=today + datetime.timedelta(days=1095))
    collection_entry = CollectionEntry.objects.create(
        case=collection_case, kind=CollectionEntry.Kind.PROMISE, on=today, note=f"{label}农户承诺还款",
        promised_amount=Decimal(1000), promised_by=today, recorded_by=officer)
    # U7: a day of the head office's holiday calendar (a date of its own for each side of one head office).
    calendar_day = CalendarDay.objects.create(
        head_office=head_office, date=datetime.date(2030, 1, 1) + datetime.timedelta(days=sum(map(ord, code)) % 300),
        kind=CalendarDay.Kind.HOLIDAY, name=f"{label}节")
    # C4: an entry of the head office's blacklist (somebody of no household here: no stage of the side is blocked).
    blacklist_entry = BlacklistEntry.objects.create(
        head_office=head_office, id_number=make_id_number(datetime.date(1966, 6, 6), sequence=sum(map(ord, code)) % 500), name=f"{label}失信人",
        reason="恶意逃废债", source="探针", created_by=officer)

    # V2: the branch's democratic review (drawn over the probe village) with an open finding about the officer. A past
    # half-year: the demo draws BR01's review of the current one (supervision/demo/reviews.py).
    review = Review.objects.create(head_office=head_office, branch=branch, period="2020H1", seed=f"probe-{code}",
                                   candidates={"villages": [village.pk]}, officer=officer, drawn_by=officer,
                                   drawn_at=timezone.now())
    review.villages.add(village)
    review_finding = Finding.objects.create(review=review, staff=officer, household=homes[0], text=f"{label}探针发现",
                                            action="probe", due_on=today, created_by=officer)

    # V4/V5: a complaint about the officer (audit's), and an opening of the branch's suggestion box waiting for its
    # second signature.
    complaint = complaint_services._create(branch=branch, officer_id=officer.pk, kind="complaint", rating="",
                                           content=f"{label}探针投诉", name=f"{label}投诉人", phone="",
                                           source="counter", entered_by=teller)
    suggestion_opening = SuggestionBoxOpening.objects.create(branch=branch, opened_on=today, card_count=3,
                                                             opened_by=teller)
    # V1: the branch's ten-day progress report, made (its files stored).
    progress_report = ProgressReport.objects.create(
        head_office=head_office, branch=branch, campaign=campaigns["open"], period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 10), generated_at=timezone.now())
    progress_report.xlsx.save(f"{code}.xlsx", ContentFile(b"PK probe"), save=False)
    progress_report.pdf.save(f"{code}.pdf", ContentFile(b"%PDF-1.4 probe report"), save=True)

    objects = {
        "branch": branch, "village": village, "village_group": group, "household": homes[0],
        "member": homes[0].representative, "existing_loan": loan, "respondent": respondent,
        "survey_import": survey_import, "roster_import": roster_import, "limits_job": limits_job,
        "generated_file": generated, "reviewer": reviewer, "panel_open": panels["open"], "failed_job": failed_job,
        "panel_closed": panels["closed"], "panel_ready": panels["ready"], "panel_member_closed": seats["closed"],
        "gap_edit": gap, "booklet_import": booklet, "decision": decisions["closed"][0], "notice": notice,
        "notice_failed": failed, "notice_item": items[0], "line": lines[0], "guarantee_group": guarantee_group,
        "drawdown_disbursed": drawdown_disbursed, "drawdown_approved": drawdown_approved,
        "drawdown_pending": drawdown_pending, "drawdown_draft": drawdown_draft, "revocation": revocation,
        "approval": pending_approval(drawdown_pending), "blacklist_entry": blacklist_entry, "calendar_day": calendar_day, "visit": visit,
        "letter": letter, "collection_case": collection_case, "collection_entry": collection_entry,
        "review": review, "review_finding": review_finding,
        "complaint": complaint, "suggestion_opening": suggestion_opening, "progress_report": progress_report,
    }
    ids = {kind: obj.pk for kind, obj in objects.items()}
    ids.update(campaign=campaigns["open"].pk, campaign_ready=campaigns["ready"].pk,
               campaign_signed=campaigns["signed"].pk, respondent_code=respondent.code,
               notice_token=notice.public_token, objection_reference=objection.reference, staff_user=officer.pk,
               household_code=homes[0].code, household_2=homes[1].pk, guarantor_code=homes[1].code,
               free_1=free[0].pk, free_2=free[1].pk, free_3=free[2].pk)
    versions = {kind: type(obj).objects.filter(pk=obj.pk).values_list("version", flat=True).first()
                for kind, obj in objects.items() if hasattr(obj, "version")}
    ids.update(guarantee_group_version=versions["guarantee_group"], drawdown_draft_version=versions["drawdown_draft"])
    return {"ids": ids, "versions": versions, "reviewer_user": reviewer.user,
            "markers": [village.name, f"{code}-", f"{label}农户", f"{label}评议员", f"{label}联保"]}


def head_office_campaigns(head_office, prefix: str) -> dict:
    """One campaign per panel stage (a village has one panel per campaign), shared by the head office's branches."""
    return {stage: CampaignFactory(head_office=head_office, code=f"{prefix}-{stage}", name=f"{prefix}探针批次{n}")
            for n, stage in enumerate(("open", "closed", "signed", "ready"), start=1)}


def build_world() -> dict:
    call_command("seed_demo", stdout=io.StringIO())
    users = {p.user.username: p.user for p in StaffProfile.objects.select_related("user")}
    hq1 = users["admin"].staff_profile.head_office
    br_a, br_b = Branch.objects.get(code="BR02"), Branch.objects.get(code="BR01")
    campaigns = head_office_campaigns(hq1, "PR")
    side_a = populate(head_office=hq1, branch=br_a, label="甲", code="PBA", officer=users["officer2"],
                      president=users["president2"], teller=users["teller2"], campaigns=campaigns)
    side_b = populate(head_office=hq1, branch=br_b, label="乙", code="PBB", officer=users["officer1"],
                      president=users["president1"], teller=users["teller1"], campaigns=campaigns)

    hq2 = HeadOfficeFactory(code="HQ02", name="丙州农村商业银行")
    br_c = BranchFactory(head_office=hq2, code="H2BR01", name="丙州支行")
    staff_c = {role: StaffFactory(branch=br_c, role=role).user for role in (Role.OFFICER, Role.PRESIDENT, Role.TELLER)}
    staff_c[Role.ADMIN] = StaffFactory(branch=None, head_office=hq2, role=Role.ADMIN).user
    # V4: complaints are read by head-office audit only (never the branch's staff).
    staff_c[Role.AUDITOR] = StaffFactory(branch=None, head_office=hq2, role=Role.AUDITOR).user
    side_c = populate(head_office=hq2, branch=br_c, label="丙", code="PBC", officer=staff_c[Role.OFFICER],
                      president=staff_c[Role.PRESIDENT], teller=staff_c[Role.TELLER],
                      campaigns=head_office_campaigns(hq2, "H2"))

    # Branch B's data also includes the demo's (BR01: 东岭村, 西河村, 南沟村, households BR01V0x-Dnnn).
    side_b["markers"] += [v.name for v in Village.objects.filter(branch=br_b).exclude(pk=side_b["ids"]["village"])]
    side_b["markers"] += ["BR01V0", br_b.name]
    side_c["markers"] += [br_c.name, hq2.name, "丙失信人"]
    return {
        "a": side_a, "b": side_b, "c": side_c,
        "branch_a": {"officer": users["officer2"], "president": users["president2"], "teller": users["teller2"],
                     "reviewer": side_a["reviewer_user"]},
        # Branch B's staff, and head office 1's administrator (who sets up its staff: staff_password).
        "branch_b": {"officer": users["officer1"], "president": users["president1"], "teller": users["teller1"],
                     "reviewer": side_b["reviewer_user"], "admin": users["admin"], "auditor": users["auditor"]},
        "head_office_1": {"admin": users["admin"], "supervisor": users["supervisor"], "auditor": users["auditor"]},
        "head_office_2": {"admin": staff_c[Role.ADMIN], "officer": staff_c[Role.OFFICER],
                          "president": staff_c[Role.PRESIDENT], "teller": staff_c[Role.TELLER],
                          "reviewer": side_c["reviewer_user"], "auditor": staff_c[Role.AUDITOR]},
    }


TEST_SETTINGS = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
                 "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction that is rolled back at its end."""
    media = tmp_path_factory.mktemp("probe-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, **TEST_SETTINGS), \
            translation.override("zh-hans"):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with scopes_disabled():
                built = build_world()
            built["media"] = media
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def probe_settings(settings, world):
    settings.MEDIA_ROOT = world["media"]  # the files the world stored (conftest gives each test its own root)


# --- requests ----------------------------------------------------------------------------------------------

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
MISSING = 2_000_000_000


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def url_patterns() -> list[tuple[str | None, str, set[str]]]:
    """(name with namespaces, route, parameter names) of every pattern of the root resolver."""
    found = []

    def walk(patterns, prefix, namespaces, params):
        for pattern in patterns:
            converters = set(getattr(pattern.pattern, "converters", {}))
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern),
                     namespaces + ([pattern.namespace] if pattern.namespace else []), params | converters)
            else:
                name = ":".join([*namespaces, pattern.name]) if pattern.name else None
                found.append((name, prefix + str(pattern.pattern), params | converters, namespaces))

    walk(get_resolver().url_patterns, "/", [], set())
    return [(name, route, params) for name, route, params, namespaces in found
            if not EXCLUDED_NAMESPACES.intersection(namespaces)]


def probed_names() -> list[str]:
    return [name for name, _route, _params in url_patterns() if name not in EXCLUDED]


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def writes(queries) -> list[str]:
    """The INSERT, UPDATE and DELETE statements among the captured queries (sessions aside)."""
    return [q["sql"][:100] for q in queries if WRITE.match(q["sql"]) and "django_session" not in q["sql"]]


def send(client, name: str, method: str, url: str, body: dict):
    with CaptureQueriesContext(connection) as queries:
        if method == "GET":
            response = client.get(url)
        elif name in JSON_BODIES:
            response = client.post(url, data=json.dumps(body), content_type="application/json")
        else:
            response = client.post(url, body)
    written = writes(queries)
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    client.cookies.pop("messages", None)  # a message must not show on the next probe's page
    return response, written, shown


def response_text(response) -> str:
    """What a response shows, as text: HTML and JSON as written, a workbook's cells; "" for a PDF."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist() if n.endswith(".xml"))
    if "json" in kind:
        return json.dumps(json.loads(content or b"null"), ensure_ascii=False)
    if "pdf" in kind:
        return ""  # fonts are subset: a PDF's text cannot be searched (PDFs of another side's ids answer 404)
    return content.decode("utf-8", "replace")


def leaked(response, markers) -> list[str]:
    """The markers of the other side's data a successful response shows."""
    if response.status_code != 200:
        return []
    text = response_text(response)
    return [m for m in markers if m in text]


def counts() -> dict:
    with scopes_disabled():
        tables = {m._meta.label: m._base_manager.count() for m in apps.get_models()
                  if m._meta.app_label in {"sunshine_credit", "households", "surveys", "appraisal", "credit_use",
                                           "guarantee_groups", "publicity", "auth"}}
        tables["auditlog.LogEntry"] = LogEntry.objects.count()
        return tables


def fingerprint(side: dict) -> dict:
    """Every row of the scoped tables in the side's probe village (and its demo villages), as values."""
    with scopes_disabled():
        village = Village.objects.get(pk=side["ids"]["village"])
        villages = list(Village.objects.filter(branch_id=village.branch_id).values_list("pk", flat=True))
        rows = {}
        for model in apps.get_models():
            manager = model._default_manager
            if hasattr(manager, "with_scope"):
                rows[model._meta.label] = sorted(map(str, manager.with_scope(village=villages).values_list()))
        rows["GeneratedFile"] = sorted(map(str, GeneratedFile.objects.filter(village_id__in=villages).values_list()))
        return rows


def url_for(name: str, ids: dict) -> str:
    return reverse(name, kwargs={param: LITERALS.get(kind, ids.get(kind)) for param, kind in PARAMS[name].items()})


def missing_ids(ids: dict) -> dict:
    return {kind: ("missing" if isinstance(value, str) else MISSING) for kind, value in ids.items()}


class Probe:
    """Requests as one user, collecting every failure (one assert at the end lists them all)."""

    def __init__(self, user, role: str, markers: list[str], other_side: dict):
        self.client, self.role, self.markers, self.other = client_for(user), role, markers, other_side
        self.failures: list[str] = []
        self.requests = 0
        self.other_rows = fingerprint(other_side)  # every probe is rolled back or writes nothing: it stays

    def fail(self, method, url, what):
        self.failures.append(f"{self.role} {method} {url}: {what}")

    def foreign(self, name: str, method: str, ids: dict, kinds: set[str], *, version: int = 1):
        """A URL naming the other side's object(s) (`kinds`): 404, or the answer ids that do not exist get;
        nothing written."""
        url = url_for(name, ids)
        body = post_body(name, ids, version)
        response, written, shown = send(self.client, name, method, url, body)
        self.requests += 1
        status = response.status_code
        if status >= 500:
            self.fail(method, url, f"{status} {getattr(response, 'exc_info', None) and response.exc_info[1]!r}")
        if written:
            self.fail(method, url, f"wrote {written}")
        shown_markers = leaked(response, self.markers)
        if shown_markers:
            self.fail(method, url, f"{status} showing {shown_markers}")
        if status not in (404, 405) and status < 500:
            # Not a 404: the same answer as for ids that do not exist, or it tells the object exists (O2).
            gone = {**ids, **{kind: value for kind, value in missing_ids(ids).items() if kind in kinds}}
            with rolled_back():
                again, _written, shown_again = send(self.client, name, method, url_for(name, gone),
                                                    post_body(name, gone, version))
            self.requests += 1
            if again.status_code != status or shown_again != shown:
                self.fail(method, url, f"{status} {shown} while a missing id gets {again.status_code} {shown_again}")

    def unnamed(self, name: str, method: str, url: str, body: dict, *, refused: bool = False, echo=None):
        """A page without the other side's ids in its path: no data of the other side shown, none changed.
        `refused`: the body names one of the other side's objects (`echo`, which a form may show back as typed)
        among the user's own: nothing is written. Returns what the answer shows (status, page, messages)."""
        with rolled_back():
            files = GeneratedFile.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks(execute=True):
                response, written, shown = send(self.client, name, method, url, body)  # and its jobs run (eager)
            self.requests += 1
            if refused and written:
                self.fail(method, url, f"{json.dumps(body, ensure_ascii=False)[:200]} wrote {written}")
            if response.status_code >= 500:
                self.fail(method, url, f"{response.status_code} {getattr(response, 'exc_info', None)}")
            text = "" if name in FIXED_CONTENT or response.status_code != 200 else response_text(response)
            text, shown = without(text, echo), [without(message, echo) for message in shown]
            shown_markers = [m for m in self.markers if m in text or any(m in message for message in shown)]
            if shown_markers:
                self.fail(method, url, f"{response.status_code} showing {shown_markers}")
            with scopes_disabled():
                for item in GeneratedFile.objects.filter(pk__gt=files, status=GeneratedFile.Status.DONE):
                    file_text = response_text(_FileResponse(item))
                    in_file = [m for m in self.markers if m in file_text]
                    if in_file:
                        self.fail(method, url, f"its generated file {item.file_name} shows {in_file}")
            if writes(queries):  # the request or its jobs wrote: nothing of the other side may have changed
                changed = [table for table, rows in fingerprint(self.other).items() if rows != self.other_rows[table]]
                if changed:
                    self.fail(method, url, f"changed the other side's {changed}")
        return response.status_code, normalized(text), shown

    def chosen(self, name: str, url: str, body: dict, field: str, value):
        """The user's own form with the other side's `value` in `field`: refused, nothing written, and answered
        exactly as a value that names nothing is (else the answer tells the other side's object exists, O2)."""
        answer = self.unnamed(name, "POST", url, swapped(body, field, value), refused=True, echo=value)
        gone = "NOPE-0000" if isinstance(value, str) else MISSING
        with rolled_back():
            response, _written, shown = send(self.client, name, "POST", url, swapped(body, field, gone))
        self.requests += 1
        text = "" if response.status_code != 200 else response_text(response)
        missing = (response.status_code, normalized(without(text, gone)), [without(m, gone) for m in shown])
        if answer != missing:
            self.fail("POST", url, f"{field}={value} answers {answer[0]} {answer[2]} {difference(answer[1], missing[1])}"
                      f" while one that names nothing gets {missing[0]} {missing[2]}")


def without(text: str, value) -> str:
    """`text` with the value the user typed (shown back by a form) replaced by a placeholder."""
    if value is None or not text:
        return text
    if isinstance(value, str):
        return text.replace(value, "<typed>")
    return re.sub(rf"(?<!\d){value}(?!\d)", "<typed>", text)


def normalized(text: str) -> str:
    """A page without what differs on every response (the CSRF token, the CSP nonce)."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    return re.sub(r'nonce="[^"]*"', "", text)


def difference(one: str, other: str) -> str:
    if one == other:
        return ""
    start = next((i for i, (a, b) in enumerate(zip(one, other, strict=False)) if a != b), min(len(one), len(other)))
    return f"[…{one[max(0, start - 60):start + 80]!r} vs …{other[max(0, start - 60):start + 80]!r}]"


class _FileResponse:
    """A generated file read like a response (for response_text)."""

    streaming = False

    def __init__(self, item):
        with item.file.open("rb") as f:
            self.content = f.read()
        self.headers = {"Content-Type": item.content_type}

    def get(self, key, default=""):
        return self.headers.get(key, default)


def probe_everything(probe: Probe, mine: dict, theirs: dict, *, branch_level: bool):
    """Every pattern, GET and POST, as `probe`'s user:
    - with `theirs` ids in the path (and, for pages of two objects, `mine` and one of theirs): Probe.foreign;
    - with `mine` in the path and `theirs` in the POST (STYLE §3.4: choices are input too): Probe.unnamed;
    - pages without a foreign id in the path, with `theirs` in the query and the POST: Probe.unnamed.
    `branch_level`: campaigns are shared (HEAD_OFFICE_KINDS are not foreign)."""
    shared = HEAD_OFFICE_KINDS if branch_level else set()
    for name in probed_names():
        kinds = set(PARAMS.get(name, {}).values()) - set(LITERALS)
        foreign = kinds - shared
        first = next(iter(PARAMS[name].values())) if name in PARAMS else None
        for method in ("GET", "POST"):
            if foreign:
                ids = {**theirs["ids"], **{k: mine["ids"][k] for k in shared}}
                probe.foreign(name, method, ids, foreign, version=theirs["versions"].get(first, 1))
                if len(kinds) > 1:  # my page, their object: the second lookup must be scoped too
                    for kind in sorted(foreign):
                        mixed = {**mine["ids"], kind: theirs["ids"][kind]}
                        probe.foreign(name, method, mixed, {kind}, version=mine["versions"].get(first, 1))
                if method == "POST":
                    probe.unnamed(name, method, url_for(name, mine["ids"]),
                                  post_body(name, theirs["ids"], mine["versions"].get(first, 1)))
            else:
                ids = {**theirs["ids"], **{k: mine["ids"][k] for k in kinds}}
                probe.unnamed(name, method, own_url(name, ids), post_body(name, ids, 1))
    for name, (body, fields) in choice_forms(mine["ids"]).items():
        for field, kind in fields.items():
            probe.chosen(name, own_url(name, mine["ids"]), body, field, theirs["ids"][kind])


def own_url(name: str, ids: dict) -> str:
    """The pattern's URL with `ids` in the path and in the query (QUERIES)."""
    url = url_for(name, ids) if name in PARAMS else reverse(name)
    query = {field: ids[kind] for field, kind in QUERIES.get(name, {}).items()}
    return f"{url}?{urlencode(query)}" if query else url


def assert_no_failures(probe: Probe):
    assert not probe.failures, f"{len(probe.failures)} of {probe.requests} probes failed:\n" + "\n".join(
        probe.failures)


# --- tests -------------------------------------------------------------------------------------------------

def test_every_url_pattern_is_probed():
    """A new pattern with a parameter must say which object it names (PARAMS), or why it is not probed."""
    patterns = url_patterns()
    names = [name for name, _route, _params in patterns]
    assert None not in names, "every pattern has a name (the probe reverses them)"
    uncovered = [f"{name} {route}" for name, route, params in patterns
                 if params and name not in EXCLUDED and set(PARAMS.get(name, {})) != params]
    assert not uncovered, "URL patterns whose parameters PARAMS does not map to objects:\n" + "\n".join(uncovered)
    stale = set(PARAMS) | set(EXCLUDED) | set(QUERIES) | JSON_BODIES | FIXED_CONTENT | set(choice_forms(defaultdict(int)))
    assert stale <= set(names), f"tables name patterns that no longer exist: {stale - set(names)}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["officer", "president", "teller", "reviewer"])
def test_branch_a_gets_404_for_branch_b(world, probe_settings, role):
    before = counts()
    probe = Probe(world["branch_a"][role], f"branch A {role}", world["b"]["markers"], world["b"])
    probe_everything(probe, world["a"], world["b"], branch_level=True)
    assert counts() == before, "a probe wrote rows"
    assert_no_failures(probe)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "supervisor", "auditor"])
def test_head_office_1_gets_404_for_head_office_2(world, probe_settings, role):
    before = counts()
    probe = Probe(world["head_office_1"][role], f"head office 1 {role}", world["c"]["markers"], world["c"])
    probe_everything(probe, world["b"], world["c"], branch_level=False)
    assert counts() == before, "a probe wrote rows"
    assert_no_failures(probe)


@pytest.mark.django_db
@pytest.mark.parametrize("side, staff", [("b", "branch_b"), ("c", "head_office_2")])
def test_own_staff_reach_every_page(world, probe_settings, side, staff):
    """The positive side: with their own ids, some role of the side gets past the scope on every page."""
    clients = {role: client_for(user) for role, user in world[staff].items()}
    ids, versions = world[side]["ids"], world[side]["versions"]
    unreached = []
    for name in PARAMS:
        if name in EXCLUDED:
            continue
        url = url_for(name, ids)
        answers = {}
        for role, client in clients.items():
            response, _written, _shown = send(client, name, "GET", url, {})
            if response.status_code == 405:
                with rolled_back():
                    body = post_body(name, ids, versions.get(next(iter(PARAMS[name].values())), 1))
                    response, _written, _shown = send(client, name, "POST", url, body)
            answers[role] = response.status_code
            if response.status_code >= 500:
                unreached.append(f"{role} {url}: {response.status_code} {response.exc_info[1]!r}")
            if response.status_code not in (404, 500):
                break
        if all(status == 404 for status in answers.values()):
            unreached.append(f"{url}: 404 for every role {answers}")
    assert not unreached, "pages the side's own staff do not reach with their own ids:\n" + "\n".join(unreached)


DETAIL_PAGES = [("households:household_detail", "PBB-0001"), ("appraisal:panel_detail", "乙探针村"),
                ("guarantee_groups:group_detail", "乙联保"), ("credit_use:line_detail", "PBB-0001"),
                ("credit_use:drawdown_detail", "PBB-0003"), ("publicity:notice_detail", "乙探针村"),
                ("dashboard", "乙探针村"), ("households:household_list", "PBB-0001"),
                ("households:roster_import_list", "PBB-roster"), ("credit_use:line_list", "PBB-0001"),
                ("credit_use:drawdown_list", "PBB-0003"), ("guarantee_groups:group_list", "乙联保")]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["officer", "president", "teller", "reviewer"])
def test_the_same_role_of_branch_b_reads_its_detail_pages(world, probe_settings, role):
    """The positive side per role: branch B's officer, president and teller get 200 on B's detail and list pages
    (its seated reviewer on its seat's page), showing the names and codes the leak check looks for."""
    ids = world["b"]["ids"]
    client = client_for(world["branch_b"][role])
    pages = [("appraisal:seat_home", "乙探针村")] if role == "reviewer" else DETAIL_PAGES
    for name, marker in pages:
        response = client.get(url_for(name, ids) if name in PARAMS else reverse(name))
        assert response.status_code == 200 and marker in response_text(response), (role, name, response.status_code)
        assert marker in world["b"]["markers"] or any(marker.startswith(m) for m in world["b"]["markers"])


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(choice_forms(defaultdict(int))))
def test_choice_forms_go_through_with_the_users_own_ids(world, probe_settings, name):
    """The choice probes' bodies are valid: with branch A's own ids its officer's (a reviewer's: on their seat)
    POST writes, so a probe that swaps in one of B's ids is refused by that id alone."""
    ids = world["a"]["ids"]
    body, _fields = choice_forms(ids)[name]
    user = world["branch_a"]["reviewer" if name.startswith("appraisal:seat_") else "officer"]
    client = client_for(user)
    with rolled_back():
        response, written, shown = send(client, name, "POST", own_url(name, ids), body)
        assert response.status_code in (200, 302) and written, (response.status_code, shown, response.content[:300])


@pytest.mark.django_db
def test_admin_is_closed_to_every_other_login(world):
    """Django's admin (excluded from the probe): every login but the superuser's is sent to its login page."""
    household = world["b"]["ids"]["household"]
    for group in ("branch_a", "head_office_2"):
        for role, user in world[group].items():
            client = client_for(user)
            for url in ("/admin/", f"/admin/households/household/{household}/change/"):
                response = client.get(url)
                assert response.status_code in (302, 404), (group, role, url, response.status_code)
                if response.status_code == 302:
                    assert response["Location"].startswith("/admin/login/"), (group, role, url)
