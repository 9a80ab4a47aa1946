"""The load test's own part of `sc_loadtest` (bench/loadtest/prepare.py): staff with known passwords, an open
campaign with respondent draws, open panels with seated reviewers. Idempotent: the users are kept (their password
set again), the campaign's questionnaires, panels and entries are deleted and made again, so that every row a run
counts afterwards was written by that run."""

import datetime
import random

CAMPAIGN_CODE = "LT"


def _user(username: str, password: str, role: str, office, branch=None, first_name: str = ""):
    from django.contrib.auth import get_user_model

    from sunshine_credit.models import StaffProfile

    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"first_name": first_name})
    user.set_password(password)
    user.is_active = True
    user.save()
    StaffProfile.objects.update_or_create(user=user, defaults={"role": role, "head_office": office, "branch": branch,
                                                               "must_change_password": False})
    return user


def _groups(villages) -> dict:
    """Four villagers' groups per village (the grids go by group), the households dealt over them in id order
    (about 80 each). Returns {village id: {household id: group id}}."""
    from django.db import connection

    from sunshine_credit.models import VillageGroup

    out = {}
    for village in villages:
        groups = [VillageGroup.objects.get_or_create(village=village, name=f"{g}组")[0].pk for g in range(1, 5)]
        with connection.cursor() as cur:
            cur.execute("""
                UPDATE households_household h SET group_id = (%s::bigint[])[n.k %% 4 + 1]
                FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM households_household
                      WHERE village_id = %s) n
                WHERE h.id = n.id""", [groups, village.pk])
            cur.execute("SELECT id, group_id FROM households_household WHERE village_id = %s", [village.pk])
            out[village.pk] = dict(cur.fetchall())
    return out


def _samples(village_ids, n: int, seed: int) -> list:
    """[code, head's name, a member's ID number] of n households of these villages: what staff search by."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT setseed(%s)", [seed / 1000])
        cur.execute("""
            SELECT h.code, hd.name, (SELECT m.id_number FROM households_member m WHERE m.household_id = h.id
                                     ORDER BY random() LIMIT 1)
            FROM households_household h JOIN households_member hd ON hd.id = h.representative_id
            WHERE h.village_id = ANY(%s) ORDER BY random() LIMIT %s""", [list(village_ids), n])
        return [list(row) for row in cur.fetchall()]


def make_staff(county: dict, password: str) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from appraisal.models import Appraisal, Panel, PanelHousehold, PanelMember, Reviewer, ReviewerKind
    from appraisal.services.panels import round_households_record
    from bench.loadtest.prepare import LT_BRANCHES, LT_OFFICERS, LT_PANELS, LT_SEATS, LT_VILLAGES
    from households.models import Household
    from sunshine_credit.models import Branch, HeadOffice, Role, Village
    from surveys.models import Campaign, Questionnaire, Respondent, RespondentDraw

    rng = random.Random(20)
    today = timezone.localdate()
    with scopes_disabled(), transaction.atomic():
        office = HeadOffice.objects.get(pk=county["office"])
        admin = _user("lt-admin", password, Role.ADMIN, office)
        supervisor = _user("lt-supervisor", password, Role.SUPERVISOR, office, first_name="负载督导")
        # the load test's campaign, emptied of what an earlier run wrote
        campaign = Campaign.objects.filter(head_office=office, code=CAMPAIGN_CODE).first()
        if campaign is not None:
            Appraisal.objects.filter(panel__campaign=campaign).delete()
            PanelMember.objects.filter(panel__campaign=campaign).delete()
            PanelHousehold.objects.filter(panel__campaign=campaign).delete()
            Panel.objects.filter(campaign=campaign).delete()
            Questionnaire.objects.filter(campaign=campaign).delete()
            RespondentDraw.objects.filter(campaign=campaign).delete()
        else:
            campaign = Campaign.objects.create(head_office=office, code=CAMPAIGN_CODE, name="负载测试整村授信",
                                               reference_date=today - datetime.timedelta(days=30), created_by=admin)
        officers, presidents, reviewers = [], [], []
        for branch in Branch.objects.filter(head_office=office).order_by("code")[:LT_BRANCHES]:
            villages = list(Village.objects.filter(branch=branch).order_by("code"))
            president = _user(f"lt-president-{branch.code}", password, Role.PRESIDENT, office, branch)
            presidents.append({"username": president.username, "branch": branch.pk})
            mine = villages[:LT_OFFICERS * LT_VILLAGES]
            panel_villages = villages[-(LT_PANELS // LT_BRANCHES):]
            groups = _groups(mine + panel_villages)
            for i in range(LT_OFFICERS):
                officer = _user(f"lt-officer-{branch.code}-{i + 1}", password, Role.OFFICER, office, branch,
                                first_name=f"负载信贷员{branch.code}{i + 1}")
                own = mine[i * LT_VILLAGES:(i + 1) * LT_VILLAGES]
                officer.assigned_villages.set(own)  # 包片
                entry = []
                for village in own:
                    pool = list(Respondent.objects.filter(village=village, active=True).order_by("code"))
                    drawn = rng.sample(pool, min(6, len(pool)))
                    draw = RespondentDraw.objects.create(campaign=campaign, village=village, seed=f"lt-{village.pk}",
                                                         size=len(drawn), drawn_by=officer)
                    draw.respondents.set(drawn)
                    entry.append({"village": village.pk, "group_of": groups[village.pk],
                                  "respondents": sorted(r.pk for r in drawn),
                                  "households": list(Household.objects.filter(
                                      village=village, archive_status="archived", exclusion="")
                                      .order_by("id").values_list("id", flat=True)),
                                  "search": _samples([village.pk], 40, village.pk)})
                officers.append({"username": officer.username, "branch": branch.pk, "villages": entry,
                                 "branch_villages": [v.pk for v in villages]})
            for village in panel_villages:
                creator = Village.objects.get(pk=village.pk).officers.first() or admin
                panel = Panel.objects.create(campaign=campaign, village=village, unit_name=f"{village.name}评议小组",
                                             status=Panel.Status.OPEN, opened_at=timezone.now(), created_by=creator)
                entrants = round_households_record(panel)
                household_ids = list(PanelHousehold.objects.filter(panel=panel).order_by("household_id")
                                     .values_list("household_id", flat=True))
                for s in range(1, LT_SEATS + 1):
                    user = _user(f"lt-reviewer-{village.code}-{s}", password, Role.REVIEWER, office, branch)
                    reviewer, _ = Reviewer.objects.update_or_create(
                        user=user, defaults={"head_office": office, "branch": branch, "name": f"负载评议员{s}",
                                             "kind": ReviewerKind.VILLAGER, "active": True, "household": None})
                    PanelMember.objects.create(panel=panel, reviewer=reviewer, seat=s,
                                               position="leader" if s == 1 else "member")
                    reviewers.append({"username": user.username, "panel": panel.pk, "households": household_ids,
                                      "group_of": groups[village.pk],
                                      "entrants": entrants})
        county_search = _samples(list(Village.objects.values_list("pk", flat=True)), 300, 7)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"county_search": county_search, "campaign": campaign.pk, "supervisor": supervisor.username, "officers": officers,
            "presidents": presidents, "reviewers": reviewers,
            "branches": [p["branch"] for p in presidents],
            "made": {"officers": len(officers), "presidents": len(presidents), "reviewer_seats": len(reviewers),
                     "survey_pairs": sum(len(v["households"]) * len(v["respondents"])
                                         for o in officers for v in o["villages"]),
                     "review_pairs": sum(len(r["households"]) for r in reviewers)}}
