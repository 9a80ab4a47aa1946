"""Reads of credit lines (P5). Every selector starts from the caller's scope (R1)."""

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from households.models import Relation
from sunshine_credit.models import Approval, Village
from sunshine_credit.scoping import Scope, get_in_scope_or_404
from surveys.models import Campaign

from ..models import CreditLine, CreditLineEvent, Drawdown, LineChangeRequest, LineStatus

LIST_ORDER = ("village__code", "household__code")


def _with_holder(lines: QuerySet) -> QuerySet:
    """The customer of each line: the household's credit representative (H1), or its head (户主) when none is
    set — one filtered join, no query per row."""
    return (lines.alias(head=FilteredRelation("household__members",
                                              condition=Q(household__members__relation=Relation.HEAD)))
            .annotate(holder_name=Coalesce(F("household__representative__name"), F("head__name")),
                      holder_id_number=Coalesce(F("household__representative__id_number"), F("head__id_number"))))


def credit_line_list(*, scope: Scope, village_id: int | None = None, campaign_id: int | None = None,
                     status: str = "", per_household: bool = False, owing: bool = False) -> QuerySet:
    """Lines of the scope's villages, by village and household code: the line table alone (issue 18: counted by its
    village index, without the holders' joins); `credit_line_rows` reads a page's rows with the holder's name and ID
    number. `per_household`: one line per household, its latest of the others chosen (V1's households with a line in
    effect); `owing`: only households owing on a disbursed loan (V1's line utilisation)."""
    # The manager scopes by village too; the explicit filter is the second layer (STYLE §3).
    lines = CreditLine.objects.filter(village_id__in=scope.village_ids)
    if village_id:
        lines = lines.filter(village_id=village_id)
    if campaign_id:
        lines = lines.filter(campaign_id=campaign_id)
    if status:
        lines = lines.filter(status=status)
    if per_household:
        later = lines.filter(household_id=OuterRef("household_id"), pk__gt=OuterRef("pk"))
        lines = lines.filter(~Exists(later))
    if owing:
        lines = lines.filter(Exists(Drawdown.objects.filter(
            household_id=OuterRef("household_id"), status=Drawdown.Status.DISBURSED, principal_outstanding__gt=0)))
    return lines.order_by(*LIST_ORDER)


def credit_line_rows(*, scope: Scope, ids: list[int]) -> QuerySet:
    """The lines `ids` of the scope (a page of `credit_line_list`) with village, campaign, household and holder: one
    query by primary key."""
    return _with_holder(CreditLine.objects.filter(village_id__in=scope.village_ids, pk__in=ids)
                        .select_related("village", "campaign", "household").order_by())


def credit_line_get(*, scope: Scope, pk: int) -> CreditLine:
    """One line of the scope; Http404 otherwise (missing and forbidden look the same, O2)."""
    lines = _with_holder(CreditLine.objects.select_related("village__branch", "campaign", "household",
                                                           "notice_item__notice"))
    return get_in_scope_or_404(lines, scope, pk=pk)


def credit_line_events(*, line: CreditLine) -> QuerySet:
    """The line's history, oldest first; actor None is the system."""
    return CreditLineEvent.objects.filter(line=line).select_related("actor").order_by("at", "id")


def line_change_requests(*, line: CreditLine) -> QuerySet:
    """The line's change requests (R2), newest first, with who asked and who decided."""
    return (LineChangeRequest.objects.filter(line=line)
            .select_related("approval__requested_by", "approval__decided_by").order_by("-id"))


def line_change_pending(*, line: CreditLine) -> LineChangeRequest | None:
    """The line's change waiting for head office, if any (at most one: R2)."""
    return line_change_requests(line=line).filter(approval__status=Approval.Status.PENDING).first()


def campaign_get(*, scope: Scope, pk: int) -> Campaign:
    """A campaign of the user's head office; Http404 otherwise (campaigns belong to the head office, not to a
    village)."""
    campaign = Campaign.objects.filter(pk=pk, head_office_id=scope.head_office_id).first()
    if campaign is None:
        raise Http404
    return campaign


def line_filter_choices(*, scope: Scope) -> tuple[list[Village], list[Campaign]]:
    """The scope's villages and its head office's campaigns, for the list's filter boxes."""
    villages = list(Village.objects.filter(id__in=scope.village_ids).order_by("code"))
    campaigns = list(Campaign.objects.filter(head_office_id=scope.head_office_id).order_by("-reference_date", "code"))
    return villages, campaigns


def precredit_lines(*, scope: Scope, campaign: Campaign) -> QuerySet:
    """The campaign's lines in effect in the scope's villages, for the core-banking template; plain values."""
    lines = CreditLine.objects.filter(village_id__in=scope.village_ids, campaign=campaign, status=LineStatus.ACTIVE)
    return (_with_holder(lines).order_by(*LIST_ORDER)
            .values("holder_name", "holder_id_number", "amount", "effective_on", "expires_on",
                    "village__branch__code", "village__name", "household__code"))


def frozen_by_lines(campaign_id: int, village_ids: list[int] | None) -> dict[int, str]:
    """surveys.frozen: the villages where lines of the campaign took effect (P5), whatever became of them since:
    the results they came from are frozen. Needs no scope (the caller's ids are its scope)."""
    from django.utils.translation import gettext as _
    from django_scopes import scopes_disabled

    with scopes_disabled():
        lines = CreditLine.objects.filter(campaign_id=campaign_id)
        if village_ids is not None:
            lines = lines.filter(village_id__in=village_ids)
        return {village_id: _("its credit lines took effect")
                for village_id in lines.values_list("village_id", flat=True).distinct()}
