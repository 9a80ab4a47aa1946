"""P4 staff pages: an objection recorded at the counter, and the panel's reconsideration (复议) of a frozen line.

Both fetch through the scope first (R1: another branch's notice or line is 404, and nothing is written); then
the role decides — the counter is open to makers, tellers and the branch president, reconsideration to makers
of the village only (PermissionDenied for read-only roles). The services check both again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from households.services import MAKER_ROLES
from sunshine_credit.scoping import get_in_scope_or_404

from . import services_objections as services
from .forms_objections import ObjectionForm, ReconsiderForm
from .models import ItemStatus, Notice, NoticeItem


@login_required
@never_cache
def objection_lodge(request, pk: int):
    notice = get_in_scope_or_404(Notice.objects.all(), request.scope, pk=pk)
    if request.scope.role not in services.COUNTER_ROLES:
        raise PermissionDenied
    items = list(NoticeItem.objects.filter(notice=notice).order_by("line_no"))
    closed = services.running_refusal(notice)
    chosen = next((i.line_no for i in items if str(i.pk) == request.GET.get("item")), None)
    form = ObjectionForm(request.POST if request.method == "POST" else None, items=items, counter=True,
                         initial={"line_no": chosen})
    if form.is_bound and not closed and form.is_valid():
        try:
            objection = services.objection_lodge(scope=request.scope, actor=request.user, notice_id=notice.pk,
                                                 **form.cleaned_data)
        except services.ObjectionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Objection %(reference)s was recorded; line %(no)s is frozen until the "
                                        "panel reconsiders it.") % {"reference": objection.reference,
                                                                    "no": objection.item.line_no})
            return redirect("publicity:notice_detail", pk=notice.pk)
    return render(request, "publicity/objection_form.html", {"notice": notice, "form": form, "closed": closed})


@login_required
@never_cache
def item_reconsider(request, pk: int):
    item = get_in_scope_or_404(NoticeItem.objects.select_related("notice", "household"), request.scope,
                               village_field="notice__village_id", pk=pk)
    if request.scope.role not in MAKER_ROLES or not request.scope.can_edit_village(item.notice.village_id):
        raise PermissionDenied
    form = ReconsiderForm(request.POST if request.method == "POST" else None, initial={"version": item.version})
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.item_reconsider(scope=request.scope, actor=request.user, item_id=item.pk,
                                     version=data["version"], outcome=data["outcome"], reason=data["reason"],
                                     amount=data["amount"])
        except services.StaleItem as exc:
            messages.error(request, str(exc))  # R3: a fresh page, none of the stale form's values
            return redirect("publicity:item_reconsider", pk=item.pk)
        except services.ObjectionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The reconsideration of line %(no)s was recorded.") % {"no": item.line_no})
            return redirect("publicity:notice_detail", pk=item.notice_id)
    return render(request, "publicity/reconsider_form.html", {
        "item": item, "notice": item.notice, "form": form, "frozen": item.status == ItemStatus.FROZEN,
        "objections": item.objections.order_by("lodged_at")})
