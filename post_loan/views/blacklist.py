"""C4/R2: the blacklist's pages — the list with its search, adding an entry, an entry's page (its history, the
settlement and the removal request), and the workbook import with its template.

The list is the head office's (every branch checks against it): administrators, officers, presidents, supervisors
and auditors read it; tellers and reviewers get 404, as does any entry of another head office (R1). ID numbers
are masked (R5) everywhere but on an entry's page for a maker (administrator or loan officer), who enters them.
Thin views: one selector or service, a template; refusals are shown where the input was.
"""

import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sunshine_credit.approvals import ApprovalRefused
from sunshine_credit.errors import Refusal, show_on_form
from sunshine_credit.lib.excel import write_xlsx
from sunshine_credit.views import import_store_upload

from ..forms.blacklist import (
    BlacklistEntryForm,
    BlacklistImportForm,
    BlacklistRemovalForm,
    BlacklistSearchForm,
    BlacklistSettleForm,
)
from ..imports.blacklist import COLUMNS, EXAMPLE
from ..selectors import blacklist as selectors
from ..services import blacklist as services


def _reader(request):
    """The scope of a user who reads the blacklist; 404 for the others (the pages do not exist for them)."""
    try:
        services.require_reader(request.scope)
    except PermissionDenied:
        raise Http404 from None
    return request.scope


def _maker(request):
    scope = _reader(request)
    if not scope.is_maker:
        raise Http404
    return scope


SEARCH_SESSION_KEY = "post_loan_blacklist_search"


@never_cache
@login_required
def blacklist_list(request):
    """The search is posted and kept in the session: the term (an ID number, often) never enters a URL (R5); the
    query string carries the status and whether a search is on."""
    scope = _reader(request)
    data = request.POST if request.method == "POST" else request.GET
    status = data.get("status") if data.get("status") in selectors.STATUSES else "active"
    if request.method == "POST":
        term = (request.POST.get("q") or "").strip()[:50]
        request.session[SEARCH_SESSION_KEY] = term
        return redirect(f"{reverse('post_loan:blacklist_list')}?{_list_query(status, term)}")
    term = request.session.get(SEARCH_SESSION_KEY, "") if request.GET.get("search") == "1" else ""
    page = Paginator(selectors.blacklist_list(scope=scope, query=term, status=status), 50).get_page(
        request.GET.get("page"))
    return render(request, "post_loan/blacklist_list.html", {
        "form": BlacklistSearchForm(initial={"q": term, "status": status}), "term": term, "status": status,
        "page": page, "query": _list_query(status, term), "is_maker": scope.is_maker,
        "may_import": scope.role == "admin"})


def _list_query(status: str, term: str) -> str:
    return urlencode({"status": status, **({"search": 1} if term else {})})


@never_cache
@login_required
def blacklist_add(request):
    scope = _maker(request)
    form = BlacklistEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.blacklist_add(scope=scope, actor=request.user, **form.cleaned_data)
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The entry was added to the blacklist."))
            return redirect("post_loan:blacklist_detail", pk=entry.pk)
    return render(request, "post_loan/blacklist_form.html", {"form": form})


@never_cache
@login_required
def blacklist_detail(request, pk: int):
    scope = _reader(request)
    entry = selectors.blacklist_get(scope=scope, pk=pk)
    removals = selectors.blacklist_removals(entry)
    return render(request, "post_loan/blacklist_detail.html", {
        "entry": entry, "removals": removals, "history": selectors.blacklist_history(entry),
        "members": selectors.blacklist_households(scope=scope, entry=entry),
        "pending": next((a for a in removals if a.status == "pending"), None), "is_maker": scope.is_maker,
        "removal_form": BlacklistRemovalForm()})


@never_cache
@login_required
def blacklist_settle(request, pk: int):
    scope = _reader(request)
    entry = selectors.blacklist_get(scope=scope, pk=pk)
    if not scope.is_maker:
        raise Http404
    form = BlacklistSettleForm(request.POST or None, initial={"settled_on": entry.settled_on,
                                                              "version": entry.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.blacklist_settle(scope=scope, actor=request.user, pk=entry.pk, **form.cleaned_data)
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The settlement was recorded; the entry will be lifted on its erase date."))
            return redirect("post_loan:blacklist_detail", pk=entry.pk)
    return render(request, "post_loan/blacklist_settle.html", {"form": form, "entry": entry,
                                                                "erase_years": settings.BLACKLIST_ERASE_YEARS})


@login_required
@require_POST
def blacklist_remove(request, pk: int):
    """A maker's removal request (R2): it waits for a checker in the approvals inbox."""
    scope = _reader(request)
    entry = selectors.blacklist_get(scope=scope, pk=pk)
    form = BlacklistRemovalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the reason for this request."))
    else:
        try:
            services.blacklist_removal_request(scope=scope, actor=request.user, pk=entry.pk,
                                               reason=form.cleaned_data["reason"])
        except (Refusal, ApprovalRefused, PermissionDenied) as exc:
            messages.error(request, str(exc) or _("You may not do this."))
        else:
            messages.success(request, _("The removal was requested; it waits for a checker's approval."))
    return redirect("post_loan:blacklist_detail", pk=entry.pk)


@never_cache
@login_required
def blacklist_import(request):
    scope = _reader(request)
    if scope.role != "admin":
        raise Http404
    form = BlacklistImportForm(request.POST or None, request.FILES or None)
    rows = []
    if request.method == "POST" and form.is_valid():
        try:
            item = import_store_upload(form, lambda name, data: services.blacklist_import(
                scope=scope, actor=request.user, name=name, data=data))
        except services.BlacklistImportRefused as exc:
            form.add_error(None, str(exc))
            rows = exc.rows
        else:
            if item is not None:
                messages.success(request, _("%(n)d entries were added to the blacklist.") % {"n": item.rows_total})
                return redirect("post_loan:blacklist_import")
    return render(request, "post_loan/blacklist_import.html", {
        "form": form, "rows": rows, "imports": selectors.blacklist_imports(scope=scope)})


@login_required
def blacklist_template(request):
    """The empty workbook (SPEC §11): the header and one example row; ID numbers are text cells."""
    _reader(request)
    out = io.BytesIO()
    write_xlsx(out, "blacklist", list(COLUMNS.values()), [EXAMPLE], text_columns=frozenset({1}))
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="blacklist-template.xlsx"'
    return response
