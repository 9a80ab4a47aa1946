"""A3/A5/A7: the summary of a closed round — every reviewer's entry by seat beside the computed result,
the pre-check flags, the decision and its escalation — for the decisions page and the appraisal sheet.

Secrecy (A3): together with `selectors_entry`, the only reader of `Appraisal` rows. Callers pass a panel
fetched through the scope (`panel_or_404` or a seat) and must not call this before the round is closed:
`decisions_summary` refuses an open panel. Reads are set-based: six queries however large the village.
"""

from django.db.models import Subquery

from households.models import Member, Relation
from sunshine_credit.models import Approval

from .models import Appraisal, Decision, Panel, PreCheckFlag, SignOff
from .selectors_precheck import removal_state
from .services_decisions import ESCALATION_KIND
from .services_precheck import OVERRIDE_KIND

FLAG_LABELS = dict(PreCheckFlag.choices)
RATING_CODES = {1: "AAA", 2: "AA", 3: "A", 4: "B"}  # Rating, as the paper forms write it


def _latest_approvals(panel: Panel) -> dict[tuple[str, int], Approval]:
    latest = {}
    for approval in (Approval.objects.filter(kind__in=[OVERRIDE_KIND, ESCALATION_KIND], subject_id__in=Subquery(
            Decision.objects.filter(panel=panel).values("pk"))).order_by("requested_at", "id")):
        latest[(approval.kind, approval.subject_id)] = approval
    return latest


def panel_sign_offs(panel: Panel) -> list[dict]:
    """Every seat in order with its sign-off (or None): the sign-off block and the progress."""
    signed = {s.member_id: s for s in SignOff.objects.filter(panel=panel).select_related("recorded_by")}
    return [{"member": m, "sign_off": signed.get(m.pk)}
            for m in panel.members.select_related("reviewer").order_by("seat")]


def decisions_summary(panel: Panel) -> dict:
    """{"seats": [...], "rows": [...], "undecided": n, "sign_offs": [...]} of a closed panel.

    Each row: decision, household, head (name), entries (one per seat: None, or {amount, reasons, rating}),
    flags [(number, label)], removal (selectors_precheck.removal_state), escalation_approval."""
    if not panel.is_closed:
        raise ValueError("A3: the summary of an open round is secret")
    sign_offs = panel_sign_offs(panel)
    seats = [row["member"] for row in sign_offs]
    decisions = list(Decision.objects.filter(panel=panel)
                     .select_related("household__group", "household__representative", "decided_by")
                     .order_by("household__group__name", "household__code"))
    households = Decision.objects.filter(panel=panel).values("household_id")
    heads = dict(Member.objects.filter(household_id__in=Subquery(households), relation=Relation.HEAD)
                 .order_by("-id").values_list("household_id", "name"))
    entries = {(h, m): {"amount": amount, "reasons": reasons, "rating": RATING_CODES.get(rating, "")}
               for h, m, amount, reasons, rating in Appraisal.objects.filter(panel=panel).values_list(
                   "household_id", "member_id", "amount", "withhold_reasons", "rating")}
    approvals = _latest_approvals(panel)
    rows = []
    for d in decisions:
        override = approvals.get((OVERRIDE_KIND, d.pk))
        rows.append({
            "decision": d, "household": d.household, "head": heads.get(d.household_id, ""),
            "entries": [entries.get((d.household_id, s.pk)) for s in seats],
            "rating": RATING_CODES.get(d.rating, ""),
            "flags": [(flag, FLAG_LABELS.get(flag, "")) for flag in d.precheck_flags],
            "removal": removal_state(d, override), "escalation_approval": approvals.get((ESCALATION_KIND, d.pk)),
        })
    return {"seats": seats, "rows": rows, "undecided": sum(1 for d in decisions if not d.status),
            "sign_offs": sign_offs}


def sign_off_progress(panel: Panel) -> dict:
    """For the panel and seat pages: {"sign_offs": [...], "signed": n, "total": N, "undecided": k}."""
    sign_offs = panel_sign_offs(panel) if panel.is_closed else []
    undecided = Decision.objects.filter(panel=panel, status="").count() if panel.is_closed else 0
    return {"sign_offs": sign_offs, "signed": sum(1 for row in sign_offs if row["sign_off"]),
            "total": len(sign_offs), "undecided": undecided}
