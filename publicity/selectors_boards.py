"""What the officers' publicity pages read: a campaign's boards with their progress, one notice's items."""

from django.db.models import Count, OuterRef, Q, Subquery

from appraisal.models import Panel
from sunshine_credit.scoping import Scope
from surveys.models import Campaign

from .models import ItemStatus, Notice, NoticeItem, NoticeKind, Objection


def campaigns(*, scope: Scope):
    return Campaign.objects.filter(head_office_id=scope.head_office_id).order_by("-reference_date", "-pk")


def campaign_boards(*, scope: Scope, campaign_id: int) -> list[Panel]:
    """The campaign's panels in the scope, each with `notice` (or None): three queries in all."""
    notices = Notice.objects.filter(kind=NoticeKind.PRECREDIT, campaign_id=campaign_id, village_id=OuterRef("village_id"))
    panels = list(Panel.objects.filter(campaign_id=campaign_id, village_id__in=scope.village_ids,
                                       campaign__head_office_id=scope.head_office_id)
                  .select_related("village").annotate(notice_id=Subquery(notices.values("pk")[:1]))
                  .order_by("village__code"))
    by_id = {n.pk: n for n in Notice.objects.filter(pk__in=[p.notice_id for p in panels if p.notice_id])
             .select_related("job").annotate(
                 item_count=Count("items", distinct=True),
                 frozen_count=Count("items", filter=Q(items__status=ItemStatus.FROZEN), distinct=True),
                 effective_count=Count("items", filter=Q(items__status=ItemStatus.EFFECTIVE), distinct=True))}
    for panel in panels:
        panel.notice = by_id.get(panel.notice_id)
    return panels


def boards_progress(panels: list[Panel]) -> dict:
    """Counts for the progress bar of whole-campaign rendering."""
    notices = [p.notice for p in panels if p.notice]
    done = sum(1 for n in notices if n.status == Notice.Status.PUBLISHED)
    return {"panels": len(panels), "signed": sum(1 for p in panels if p.status == Panel.Status.SIGNED),
            "published": len(notices), "printed": done,
            "rendering": sum(1 for n in notices if n.status == Notice.Status.RENDERING),
            "failed": sum(1 for n in notices if n.status == Notice.Status.FAILED),
            "percent": round(100 * done / len(notices)) if notices else 0}


def notice_or_404(scope: Scope, pk: int, *, for_edit: bool = False) -> Notice:
    from sunshine_credit.scoping import get_in_scope_or_404

    return get_in_scope_or_404(Notice.objects.select_related("village__branch", "campaign", "panel", "job",
                                                             "published_by"), scope, for_edit=for_edit, pk=pk)


def notice_items(notice: Notice):
    return (NoticeItem.objects.filter(notice=notice).select_related("household", "reconsidered_by")
            .annotate(open_objections=Count("objections", filter=Q(objections__status=Objection.Status.OPEN)))
            .order_by("line_no"))


def notice_objections(notice: Notice):
    return Objection.objects.filter(notice=notice).select_related("item", "lodged_by").order_by("-lodged_at")
