"""C1 pages: the officer's visit list (due, overdue, done) for a day's round, the visit record form made for a
phone (one column, big touch targets, signatures drawn on the screen), a recorded visit with its signatures, and
the visit rate per officer, village and branch. Thin views: objects come through the scoped selectors (404 outside,
R1), writes through services.visits; pages are never cached (R5)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from credit_use.models import Drawdown
from sunshine_credit.errors import Refusal, show_on_form
from sunshine_credit.lib.pdf import render_pdf
from sunshine_credit.models import Role
from sunshine_credit.scoping import area_of

from ..forms.visits import QuarterForm, VisitForm
from ..models import Visit
from ..rules.visits import parse_quarter, quarter_label, recent_quarters
from ..selectors import visits as selectors
from ..selectors.reminders import loan_calls, loan_messages
from ..services import visits as services

# SPEC §1: who reads post-loan pages — makers, checkers and head office; tellers only where a page says so.
READERS = {Role.OFFICER, Role.PRESIDENT, Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR}
PAGE_SIZE = 100
FILES = {"borrower": "borrower_signature", "officer": "officer_signature", "scan": "scan"}
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf"}
get_or_post = require_http_methods(["GET", "POST"])


def require_reader(request, roles=READERS) -> None:
    if request.scope.role not in roles:
        raise Http404


@never_cache
@login_required
@require_safe
def visit_list(request):
    require_reader(request)
    tab = request.GET.get("tab") if request.GET.get("tab") in selectors.TABS else "due"
    today = timezone.localdate()
    area = area_of(request)  # V1: a dashboard's branch, village or officer row
    page = Paginator(selectors.visit_list(scope=area.scope, tab=tab, today=today), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "post_loan/visit_list.html", {
        "tab": tab, "page": page, "counts": selectors.visit_counts(scope=area.scope, today=today),
        "today": today, "area": area})


def _input(form, today) -> services.VisitInput:
    data = form.cleaned_data
    scan = data.get("scan")
    return services.VisitInput(
        visited_on=data["visited_on"], place=data["place"], funds_as_applied=data["funds_as_applied"],
        operation=data["operation"], risks=tuple(data["risks"]), risk_note=data["risk_note"],
        next_action=data["next_action"], borrower_signature=data["borrower_signature"],
        officer_signature=data["officer_signature"], scan=scan.read() if scan else None)


def _save(request, form, save) -> Visit | None:
    """Run the service on a valid form; on a refusal, each message on its field. Returns the saved visit."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(_input(form, timezone.localdate()))
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("Only loan officers and administrators enter data."))
    except Refusal as exc:
        show_on_form(form, exc)
    return None


@never_cache
@login_required
@get_or_post
def visit_record(request, pk: int):
    visit = selectors.visit_get(scope=request.scope, pk=pk, for_edit=True)
    form = VisitForm(request.POST or None, request.FILES or None, initial=_initial(visit))
    saved = _save(request, form, lambda data: services.visit_record(
        scope=request.scope, actor=request.user, visit_id=visit.pk, version=form.cleaned_data["version"] or 0,
        data=data))
    if saved:
        messages.success(request, _("The visit was recorded."))
        return redirect("post_loan:visit_detail", pk=saved.pk)
    return render(request, "post_loan/visit_record.html", {"visit": visit, "loan": visit.drawdown, "form": form,
                                                           "kind": visit.kind})


def _initial(visit: Visit | None) -> dict:
    today = timezone.localdate()
    if visit is None or visit.visited_on is None:
        return {"visited_on": today, "version": visit.version if visit else None}
    return {"visited_on": visit.visited_on, "place": visit.place, "funds_as_applied": visit.funds_as_applied,
            "operation": visit.operation, "risks": visit.risks, "risk_note": visit.risk_note,
            "next_action": visit.next_action, "version": visit.version}


@never_cache
@login_required
@get_or_post
def visit_add(request, pk: int):
    """A visit outside the schedule (?kind=extra) or the post-loan check of U6 (?kind=check) of a loan still owed;
    when the loan's scheduled visit of this quarter is still open, an "extra" visit goes to record that one."""
    loan = selectors.loan_for_visit(scope=request.scope, pk=pk)
    kind = Visit.Kind.CHECK if request.GET.get("kind") == Visit.Kind.CHECK else Visit.Kind.EXTRA
    planned = selectors.open_visit_of_quarter(drawdown_id=loan.pk, day=timezone.localdate())
    if kind == Visit.Kind.EXTRA and planned is not None and request.method == "GET":
        return redirect("post_loan:visit_record", pk=planned.pk)
    form = VisitForm(request.POST or None, request.FILES or None, initial=_initial(None))
    saved = _save(request, form, lambda data: services.visit_add(
        scope=request.scope, actor=request.user, drawdown_id=loan.pk, kind=kind, data=data))
    if saved:
        messages.success(request, _("The visit was recorded."))
        return redirect("post_loan:visit_detail", pk=saved.pk)
    return render(request, "post_loan/visit_record.html", {"visit": None, "loan": loan, "form": form, "kind": kind})


@never_cache
@login_required
@require_safe
def visit_detail(request, pk: int):
    require_reader(request)
    visit = selectors.visit_get(scope=request.scope, pk=pk)
    risks = [label for value, label in Visit.Risk.choices if value in visit.risks]
    return render(request, "post_loan/visit_detail.html", {
        "visit": visit, "risks": risks, "may_edit": request.scope.can_edit_village(visit.village_id)})


@never_cache
@login_required
@require_safe
def visit_file(request, pk: int, which: str):
    """A visit's signature or scan, to the scope's readers only (never a public media URL)."""
    require_reader(request)
    if which not in FILES:
        raise Http404
    visit = selectors.visit_get(scope=request.scope, pk=pk)
    stored = getattr(visit, FILES[which])
    if not stored:
        raise Http404
    extension = stored.name.rsplit(".", 1)[-1]
    response = FileResponse(stored.open("rb"), content_type=CONTENT_TYPES.get(extension, "application/octet-stream"))
    response["Content-Disposition"] = f'inline; filename="visit-{visit.pk}-{which}.{extension}"'
    return response


@never_cache
@login_required
@require_safe
def visit_blank_pdf(request, pk: int):
    """The visit record printed blank (the loan's facts filled in) to be filled in and signed by hand; its scan is
    then uploaded on the record form. Rendered on the spot: one page, no job."""
    visit = selectors.visit_get(scope=request.scope, pk=pk, for_edit=True)
    pdf = render_pdf("post_loan/pdf/visit_blank.html", {"visit": visit, "loan": visit.drawdown,
                                                         "risks": Visit.Risk.choices})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="visit-{visit.pk}.pdf"'
    return response


@never_cache
@login_required
@require_safe
def visit_rate(request):
    require_reader(request)
    today = timezone.localdate()
    quarters = [(quarter_label(start), quarter_label(start)) for start in recent_quarters(today)]
    quarter = parse_quarter(request.GET.get("quarter"), default=today)
    form = QuarterForm(initial={"quarter": quarter_label(quarter)}, quarters=quarters)
    area = area_of(request)  # V1: a dashboard's branch, village or officer row
    return render(request, "post_loan/visit_rate.html", {
        "form": form, "quarter": quarter_label(quarter), "area": area,
        "rates": selectors.visit_rate(scope=area.scope, quarter=quarter)})


def loan_section(request, drawdown: Drawdown) -> dict | None:
    """The loan's post-loan section on the drawdown page (registered in apps.ready): its visits, calls and text
    messages, and the links to record a visit or the post-loan check."""
    if drawdown.status not in (Drawdown.Status.DISBURSED, Drawdown.Status.REPAID) or request is None:
        return None
    if request.scope.role not in READERS:
        return None
    live = drawdown.status == Drawdown.Status.DISBURSED and drawdown.principal_outstanding > 0
    return {"d": drawdown, "visits": selectors.loan_visits(drawdown=drawdown), "calls": loan_calls(drawdown=drawdown),
            "texts": loan_messages(drawdown=drawdown),
            "may_record": live and request.scope.can_edit_village(drawdown.village_id)}
