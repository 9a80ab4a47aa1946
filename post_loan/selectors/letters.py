"""C2/C3: reads of the letters and their receipts, for the Letters page, the receipt form, the batch PDF and the
`render_notices` command. Every read starts from the caller's scope (R1)."""

import datetime

from django.core.management.base import CommandError
from django.http import Http404
from django_scopes import scopes_disabled

from credit_use.selectors.repayments import disbursed_on
from households.models import Household, Member, Relation
from sunshine_credit.lib.money import chinese_capitals, yuan
from sunshine_credit.models import Branch, Village
from sunshine_credit.scoping import Scope, get_in_scope_or_404

from ..models import BranchLawyer, Letter

DELIVERY = ("delivered", "undelivered")


def letter_list(*, scope: Scope, village_id: int | None = None, kind: str = "", delivery: str = ""):
    """The scope's letters, newest first; filtered by village, kind, and delivered (a signed receipt) or not."""
    letters = (Letter.objects.filter(head_office_id=scope.head_office_id, village_id__in=scope.village_ids)
               .select_related("village", "drawdown", "file").order_by("-issued_on", "village_id", "kind", "pk"))
    if village_id:
        letters = letters.filter(village_id=village_id)
    if kind in Letter.Kind.values:
        letters = letters.filter(kind=kind)
    if delivery == "delivered":
        letters = letters.filter(receipt_signed=True)
    elif delivery == "undelivered":
        letters = letters.filter(receipt_signed=False)
    return letters


def letter_get(*, scope: Scope, pk: int, for_edit: bool = False) -> Letter:
    letters = Letter.objects.filter(head_office_id=scope.head_office_id).select_related(
        "village__branch", "drawdown__household", "receipt_by")
    return get_in_scope_or_404(letters, scope, for_edit=for_edit, pk=pk)


def letters_of_case(drawdown_id: int):
    return Letter.objects.filter(drawdown_id=drawdown_id).select_related("receipt_by").order_by("issued_on", "pk")


def batch_letters(*, scope: Scope, village_id: int, kind: str, issued_on: datetime.date) -> list[Letter]:
    if village_id not in scope.village_ids:
        raise Http404
    return list(Letter.objects.filter(village_id=village_id, kind=kind, issued_on=issued_on)
                .select_related("village__branch", "drawdown__household", "recipient")
                .order_by("recipient_role", "drawdown_id", "pk"))


def household_names(ids) -> dict[int, str]:
    """household id → the name letters are addressed to: the credit representative's, else the head's."""
    ids = set(ids)
    names = dict(Member.objects.filter(household_id__in=ids, relation=Relation.HEAD).values_list("household_id",
                                                                                                  "name"))
    for pk, name in Household.objects.filter(pk__in=ids, representative__isnull=False).values_list(
            "pk", "representative__name"):
        names[pk] = name
    return names


def _money(amount) -> dict:
    return {"figures": yuan(amount, fen=True), "capitals": chinese_capitals(amount)}


def letter_context(letter: Letter, borrowers: dict[int, str]) -> dict:
    """What one letter's page and its receipt print: the frozen figures, in figures and in capitals."""
    drawdown = letter.drawdown
    return {"letter": letter, "loan": drawdown.loan_number or drawdown.number,
            "borrower": borrowers.get(drawdown.household_id, ""), "disbursed_on": disbursed_on(drawdown),
            "loan_amount": _money(drawdown.amount), "principal": _money(letter.principal),
            "interest": _money(letter.interest), "total": _money(letter.principal + letter.interest),
            "address": letter.recipient.address}


def batch_context(letters: list[Letter]) -> dict:
    """The batch's shared header (the branch: name, address, phone) and each letter's context."""
    if not letters:
        return {"pages": [], "branch": None}
    borrowers = household_names({letter.drawdown.household_id for letter in letters})
    branch = letters[0].village.branch
    return {"pages": [letter_context(letter, borrowers) for letter in letters], "branch": branch,
            "village": letters[0].village}


def village_by_code(scope: Scope, code: str) -> Village:
    """The batch command's village: by code, in the acting scope; a usage error (CommandError) otherwise."""
    with scopes_disabled():
        village = Village.objects.select_related("branch").filter(code=code,
                                                                  branch__head_office_id=scope.head_office_id).first()
    if village is None or village.pk not in scope.village_ids:
        raise CommandError(f"no village {code} in your scope")
    return village


def villages_of(scope: Scope) -> list[Village]:
    """The scope's villages, for the filters."""
    with scopes_disabled():
        return list(Village.objects.filter(pk__in=scope.village_ids).order_by("code"))


def branch_lawyers(scope: Scope) -> list[dict]:
    """The head office's branches (of the scope) with the lawyer each instructs (None when none is kept)."""
    with scopes_disabled():
        branches = list(Branch.objects.filter(head_office_id=scope.head_office_id, pk__in=scope.branch_ids)
                        .order_by("code"))
        lawyers = {lawyer.branch_id: lawyer for lawyer in BranchLawyer.objects.filter(
            branch__in=branches).select_related("updated_by")}
    return [{"branch": branch, "lawyer": lawyers.get(branch.pk)} for branch in branches]


def branch_lawyer_get(scope: Scope, branch_pk: int) -> tuple[Branch, BranchLawyer | None]:
    """A branch of the scope and its lawyer (or None); Http404 for another head office's branch (R1)."""
    with scopes_disabled():
        branch = Branch.objects.filter(pk=branch_pk, head_office_id=scope.head_office_id,
                                       pk__in=scope.branch_ids).first()
        if branch is None:
            raise Http404
        return branch, BranchLawyer.objects.filter(branch=branch).first()
