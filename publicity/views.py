"""Publicity's pages (SPEC §6).

- P1–P3 for officers: a campaign's boards (publish one or all, progress of the printing jobs), a notice's page
  (items, objections, reconsideration), and the archived PDF.
- P4 staff pages: an objection recorded at the counter, and the panel's reconsideration (复议) of a frozen line.
  Both fetch through the scope first (R1: another branch's notice or line is 404, and nothing is written); then
  the role decides — the counter is open to makers, tellers and the branch president, reconsideration to makers
  of the village only (PermissionDenied for read-only roles). The services check both again.
- P4 public pages (no login, mounted under /public/ as `public_urlpatterns`): the objection form the board's QR
  code opens, its confirmation, the look-up. Visitors have an empty scope, so the notice is found by its token
  alone (selectors.public_notice_or_404) and the pages show nothing the printed board does not: title, period,
  where to object, and per line its 序号, group, the name as published and the amount. Each client address has
  a budget of POSTs per window (sunshine_credit.lib.ratelimit); over it the answer is 429 and nothing is written.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from appraisal.selectors import panel_or_404
from sunshine_credit.confirm import confirm_page, is_confirmed
from sunshine_credit.errors import Stale
from sunshine_credit.lib import ratelimit
from sunshine_credit.lib.pagination import CappedPaginator
from sunshine_credit.scoping import area_of
from surveys.selectors import campaign_get

from . import selectors, services
from .forms import BoardCodeForm, LookupForm, ObjectionForm, ReconsiderForm
from .models import ItemStatus, Notice
from .rules import ObjectionRefused

PAGE_SIZE = 50  # the V1 list of published households

# --- boards (P1–P3) -----------------------------------------------------------------------------------------


@login_required
def board_list(request):
    campaigns = list(selectors.campaigns(scope=request.scope))
    chosen = request.GET.get("campaign")
    campaign = next((c for c in campaigns if str(c.pk) == chosen), campaigns[0] if campaigns else None)
    todo = request.GET.get("todo", "")
    todo = todo if todo in selectors.BOARD_TODOS else ""  # the home page's task list (issue 15 item 4)
    panels = selectors.campaign_boards(scope=request.scope, campaign_id=campaign.pk, todo=todo) if campaign else []
    progress = selectors.boards_progress(panels)
    return render(request, "publicity/board_list.html", {
        "campaigns": campaigns, "campaign": campaign, "panels": panels, "progress": progress, "todo": todo,
        "may_publish": request.scope.is_maker and request.scope.can_edit_anything,
        "editable": set(request.scope.editable_village_ids), "waiting": progress["rendering"] > 0})


@login_required
@require_POST
def board_publish(request, panel_pk: int):
    if request.scope.is_maker and not is_confirmed(request):  # issue 15 item 5: a board cannot be withdrawn
        panel = panel_or_404(request.scope, panel_pk, for_edit=True)
        preview = selectors.publish_preview(scope=request.scope, campaign_id=panel.campaign_id, panel_id=panel.pk)
        if not preview["boards"]:
            messages.error(request, _("This board cannot be published: it is not signed off or already published."))
            return redirect("publicity:board_list")
        return confirm_page(
            request, title=_("Publish the board: %(name)s") % {"name": panel.village.name},
            lines=[_("%(households)d households will be shown on the village's board for %(days)d days; the board "
                     "cannot be withdrawn.") % preview],
            action=request.path, cancel=f"{reverse('publicity:board_list')}?campaign={panel.campaign_id}",
            label=_("Publish"))
    try:
        notice = services.publish_precredit(scope=request.scope, actor=request.user, panel_id=panel_pk)
    except (services.PublishRefused, PermissionDenied) as exc:
        messages.error(request, str(exc))
        return redirect("publicity:board_list")
    messages.success(request, _("The board was published; it is being printed."))
    return redirect("publicity:notice_detail", pk=notice.pk)


@login_required
@require_POST
def campaign_publish(request, campaign_pk: int):
    if not selectors.campaigns(scope=request.scope).filter(pk=campaign_pk).exists():
        raise Http404
    if request.scope.is_maker and not is_confirmed(request):  # issue 15 item 5: ask first, saying how many
        preview = selectors.publish_preview(scope=request.scope, campaign_id=campaign_pk)
        lines = [_("%(villages)d villages' boards will be published: %(households)d households shown for %(days)d "
                   "days; the boards cannot be withdrawn.") % preview]
        lines += [_("%(name)s: %(n)d households") % {"name": b["panel"].village.name, "n": b["households"]}
                  if b["households"] else
                  _("%(name)s: no household to show; it stays unpublished.") % {"name": b["panel"].village.name}
                  for b in preview["boards"]]
        return confirm_page(
            request, title=_("Publish every signed-off board of my villages"), lines=lines, action=request.path,
            cancel=f"{reverse('publicity:board_list')}?campaign={campaign_pk}", label=_("Publish"))
    try:
        services.campaign_publish_request(scope=request.scope, actor=request.user, campaign_id=campaign_pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The signed-off boards of your villages are being published and printed in the "
                                    "background; this page shows their progress."))
    return redirect(f"{reverse('publicity:board_list')}?campaign={campaign_pk}")


@never_cache
@login_required
@require_safe
def published_list(request, campaign_pk: int):
    """V1: the households behind the dashboards' 公示 figure, in the scope narrowed by `?branch=` / `?village=` /
    `?officer=` (area_of: 404 outside the scope, R1); a campaign of another head office is 404 too."""
    campaign = campaign_get(scope=request.scope, pk=campaign_pk)
    area = area_of(request)
    items = selectors.published_list(scope=area.scope, campaign_id=campaign.pk)
    page = CappedPaginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "publicity/published_list.html",
                  {"campaign": campaign, "area": area, "page": page, "query": area.query})


@never_cache
@login_required
def notice_detail(request, pk: int):
    notice = selectors.notice_or_404(request.scope, pk)
    can_edit = request.scope.is_maker and request.scope.can_edit_village(notice.village_id)
    return render(request, "publicity/notice_detail.html", {
        "notice": notice, "items": selectors.notice_items(notice), "objections": selectors.notice_objections(notice),
        "can_edit": can_edit, "waiting": notice.status == Notice.Status.RENDERING})


@login_required
@require_POST
def notice_retry(request, pk: int):
    """Print a board again whose printing failed (never one already archived)."""
    notice = selectors.notice_or_404(request.scope, pk, for_edit=True)
    if not request.scope.is_maker or notice.status != Notice.Status.FAILED or notice.file:
        raise Http404
    services.notice_retry(notice=notice, actor=request.user)
    return redirect("publicity:notice_detail", pk=notice.pk)


@login_required
def notice_pdf(request, pk: int):
    notice = selectors.notice_or_404(request.scope, pk)
    if not notice.file:
        raise Http404
    return FileResponse(notice.file.open("rb"), content_type="application/pdf", as_attachment=False,
                        filename=f"{notice.village.code}-{notice.kind}-{notice.starts_on:%Y%m%d}.pdf")


# --- objections at the counter and reconsideration (P4) ----------------------------------------------------


@login_required
@never_cache
def objection_lodge(request, pk: int):
    notice = selectors.notice_or_404(request.scope, pk)
    if request.scope.role not in services.COUNTER_ROLES:
        raise PermissionDenied
    items = selectors.notice_lines(notice)
    closed = selectors.running_refusal(notice)
    chosen = next((i.line_no for i in items if str(i.pk) == request.GET.get("item")), None)
    form = ObjectionForm(request.POST if request.method == "POST" else None, items=items, counter=True,
                         initial={"line_no": chosen})
    if form.is_bound and not closed and form.is_valid():
        try:
            objection = services.objection_lodge(scope=request.scope, actor=request.user, notice_id=notice.pk,
                                                 **form.cleaned_data)
        except ObjectionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Objection %(reference)s was recorded; line %(no)s is frozen until the "
                                        "panel reconsiders it.") % {"reference": objection.reference,
                                                                    "no": objection.item.line_no})
            return redirect("publicity:notice_detail", pk=notice.pk)
    return render(request, "publicity/objection_form.html", {"notice": notice, "form": form, "closed": closed,
                                                             "retention_days": settings.OBJECTION_CONTACT_RETENTION_DAYS})


@login_required
@never_cache
def item_reconsider(request, pk: int):
    item = selectors.item_or_404(request.scope, pk)
    if not request.scope.is_maker or not request.scope.can_edit_village(item.notice.village_id):
        raise PermissionDenied
    form = ReconsiderForm(request.POST if request.method == "POST" else None, initial={"version": item.version})
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.item_reconsider(scope=request.scope, actor=request.user, item_id=item.pk,
                                     version=data["version"], outcome=data["outcome"], reason=data["reason"],
                                     amount=data["amount"])
        except Stale as exc:
            messages.error(request, str(exc))  # R3: a fresh page, none of the stale form's values
            return redirect("publicity:item_reconsider", pk=item.pk)
        except ObjectionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The reconsideration of line %(no)s was recorded.") % {"no": item.line_no})
            return redirect("publicity:notice_detail", pk=item.notice_id)
    return render(request, "publicity/reconsider_form.html", {
        "item": item, "notice": item.notice, "form": form, "frozen": item.status == ItemStatus.FROZEN,
        "objections": item.objections.order_by("lodged_at")})


# --- the public pages (P4, no login) ------------------------------------------------------------------------


def _objection_allowed(request) -> bool:
    """With the default settings: 5 objections per address per hour."""
    return ratelimit.hit(request, "objection", limit=settings.PUBLIC_OBJECTIONS_PER_WINDOW,
                         window=settings.PUBLIC_RATE_WINDOW_SECONDS)


def _lookup_allowed(request) -> bool:
    """Four times the objections' budget: 20 look-ups per address per hour by default."""
    return ratelimit.hit(request, "lookup", limit=4 * settings.PUBLIC_OBJECTIONS_PER_WINDOW,
                         window=settings.PUBLIC_RATE_WINDOW_SECONDS)


def _too_many(request):
    return render(request, "public/too_many.html", status=429)


def _board(notice) -> dict:
    """What the page may show of the board: its title, period and the contact printed on it."""
    return {"title": notice.title, "bank": (notice.snapshot or {}).get("bank", ""), "starts_on": notice.starts_on,
            "ends_on": notice.ends_on,
            "contact": (notice.snapshot or {}).get("contact") or {}}


@never_cache
def objection_form(request, token: str):
    notice = selectors.public_notice_or_404(token)
    if request.method == "POST" and not _objection_allowed(request):
        return _too_many(request)
    items = selectors.public_board_items(notice)
    closed = selectors.running_refusal(notice)
    form = ObjectionForm(request.POST if request.method == "POST" else None, items=items)
    if form.is_bound and not closed and form.is_valid():
        try:
            objection = services.objection_lodge_public(token=token, **form.cleaned_data)
        except ObjectionRefused as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("public:objection_done", token=token, reference=objection.reference)
    return render(request, "public/objection_form.html", {"board": _board(notice), "form": form, "closed": closed,
                                                          "retention_days": settings.OBJECTION_CONTACT_RETENTION_DAYS})


@never_cache
def objection_done(request, token: str, reference: str):
    notice = selectors.public_notice_or_404(token)
    if not selectors.public_objection_exists(notice, reference):
        raise Http404
    return render(request, "public/objection_done.html", {"board": _board(notice), "reference": reference})


@never_cache
def lookup(request):
    if request.method == "POST" and not _lookup_allowed(request):
        return _too_many(request)
    form = LookupForm(request.POST if request.method == "POST" else None)
    result = None
    if form.is_bound and form.is_valid():
        result = selectors.objection_public_get(reference=form.cleaned_data["reference"])
        if result is None:
            form.add_error("reference", _("No objection has this reference number. Check it against your confirmation."))
    return render(request, "public/lookup.html", {"form": form, "result": result})


@never_cache
def board_code(request):
    """P4: the short address printed under a board's QR code; the board's code leads to its objection form."""
    if request.method == "POST" and not _lookup_allowed(request):
        return _too_many(request)
    form = BoardCodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            notice = selectors.public_notice_or_404(form.cleaned_data["code"])
        except Http404:
            form.add_error("code", _("No board has this code. Check it against the board."))
        else:
            return redirect("public:objection_form", token=notice.public_token)
    return render(request, "public/board_code.html", {"form": form})
