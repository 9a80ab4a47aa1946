"""The household archive pages (H1–H5, H7) and the roster import (H6). Views stay thin: a form, one service or
selector, a template.

Single objects come only through selectors that call `get_in_scope_or_404` (R1/O2); edit pages and
writes ask for the editable scope, so read-only roles get 404 there.
"""

import functools
import io
import tempfile
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sunshine_credit.errors import Refusal, Stale, show_on_form
from sunshine_credit.lib.excel import write_xlsx
from sunshine_credit.lib.pagination import CappedPaginator
from sunshine_credit.scoping import area_of
from sunshine_credit.views import import_confirm, import_detail, import_store_upload

from . import exports, forms, selectors
from .imports import COLUMNS
from .models import ArchiveStatus, Household
from .rules import ARCHIVE_EXPORT_DENIED_ROLES
from .services import archive, archiving, roster

SEARCH_SESSION_KEY = "households_search"
PAGE_SIZE = 50


def _search_form(request, data, scope=None):
    villages, groups = selectors.household_filter_choices(scope=scope or request.scope)
    return forms.HouseholdSearchForm(data, villages=villages, groups=groups)


def _filter_query(form, area=None, **extra) -> str:
    """The list's GET query: filters and the search flag, never the search term itself (R5)."""
    filters = form.filters()
    params = {"village": filters["village_id"], "group": filters["group_id"], "archive": form.archive_status(),
              **({area.key: area.pk} if area and area.key else {}), **extra}
    return urlencode({key: value for key, value in params.items() if value})


def _posted_query(data, term: str) -> str:
    """The GET query a posted search redirects to: the filters as posted, unread (issue 18: no query for the
    choices; the GET checks them against the scope, as it checks any link's, and drops what does not hold), and the
    search flag, never the term itself (R5)."""
    params = {"village": data.get("village", ""), "group": data.get("group", ""), "archive": data.get("archive", ""),
              "search": "1" if term else "", "branch": data.get("branch", ""), "officer": data.get("officer", "")}
    return urlencode({key: value for key, value in params.items()
                      if value.isdigit() or (key == "archive" and value in ArchiveStatus.values)})


@login_required
def household_list(request):
    if request.method == "POST":
        # R5: an ID number never goes into a URL; the term waits in the session.
        term = request.POST.get("q", "").strip()[:50]
        request.session[SEARCH_SESSION_KEY] = term
        return redirect(f"{reverse('households:household_list')}?{_posted_query(request.POST, term)}")
    term = request.session.get(SEARCH_SESSION_KEY, "") if request.GET.get("search") == "1" else ""
    area = area_of(request, keys=("branch", "officer"))  # V1: a dashboard's branch or officer row
    form = _search_form(request, {**request.GET.dict(), "q": term}, scope=area.scope)
    filters = form.filters()
    # Issue 18: a list over more villages than LIST_CHOOSE_AREA_ABOVE (a head office's county) starts from the choice
    # of a branch or village, or a search, instead of sorting the whole county for its first page.
    choose = (not term and not area.key and not any(filters.values()) and not form.archive_status()
              and len(area.scope.village_ids) > settings.LIST_CHOOSE_AREA_ABOVE)
    households = Household.objects.none() if choose else selectors.household_list(
        scope=area.scope, search=term, archive_status=form.archive_status(), **filters)
    page = CappedPaginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    # Issue 18: each status's words once per list (get_archive_status_display translates every choice, per row).
    labels = {value: str(label) for value, label in ArchiveStatus.choices}
    page.object_list = list(page.object_list)
    for household in page.object_list:
        household.archive_label = labels.get(household.archive_status, household.archive_status)
    village_id = form.filters()["village_id"]
    return render(request, "households/household_list.html", {
        "form": form, "page": page, "term": term, "can_edit": request.scope.can_edit_anything, "area": area,
        "choose": choose, "detail_url": _url_before_pk("households:household_detail"),
        "may_export": request.scope.role not in ARCHIVE_EXPORT_DENIED_ROLES,
        "query": _filter_query(form, area, search=1 if term else ""), "filter_query": _filter_query(form),
        # Bulk archiving (建档) is offered on one village's list, to those who enter its data.
        "archive_village": village_id if village_id and request.scope.can_edit_village(village_id) else None,
    })


def _url_before_pk(name: str) -> str:
    """The URL `name` takes for a primary key, up to the key: a list's rows append theirs and "/" (issue 18: one
    reverse() per list, not one per row)."""
    url = reverse(name, args=[0])
    if not url.endswith("/0/"):
        raise ImproperlyConfigured(f"{name} does not end in its primary key: {url}")
    return url[:-2]


@login_required
@require_POST
def household_archive_bulk(request):
    """Archive the households checked on a village's list (issue 15); the service re-checks every id (R1)."""
    form = forms.BulkArchiveForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["households"]:
        messages.error(request, _("Check the households of one village to archive."))
        return redirect("households:household_list")
    village_id = form.cleaned_data["village"]
    try:
        result = archiving.households_archive(scope=request.scope, actor=request.user, village_ids=[village_id],
                                              household_ids=form.cleaned_data["households"])
    except archiving.BulkArchiveRefused as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Households archived: %(n)d.") % {"n": len(result.archived)})
    return redirect(f"{reverse('households:household_list')}?{urlencode({'village': village_id})}")


@login_required
def household_detail(request, pk: int):
    # Issue 18: the household's row says what else there is to read (a blacklisted member, existing loans, each
    # other app's section): nothing is asked of what is not there.
    household = selectors.household_page_get(scope=request.scope, pk=pk)
    members = selectors.household_members(household=household)
    loans = selectors.household_loans(household=household) if household.has_loans else []
    return render(request, "households/household_detail.html", {
        "household": household,
        "members": members,
        # C4, shown first: what every officer asks before anything else (issue 15 item 3).
        "blacklist_hits": (selectors.household_blacklist_hits(household=household, members=members)
                           if household.blacklisted else []),
        "loans": loans,
        "history": selectors.household_history(household=household, members=members, loans=loans),
        # R5: whole ID numbers only for the households this user may edit.
        "can_edit": request.scope.can_edit_village(household.village_id),
    })


@login_required
def household_create(request):
    if not request.scope.can_edit_anything:
        raise Http404
    form, formset = forms.household_forms(scope=request.scope, household=None, data=request.POST or None)
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        try:
            household = archive.household_create(scope=request.scope, actor=request.user,
                                                  fields=form.household_fields(),
                                                  members=forms.member_inputs(formset))
        except archive.ArchiveInvalid as exc:
            forms.apply_errors(form, formset, exc)
        else:
            messages.success(request, _("The household was saved."))
            return redirect("households:household_detail", pk=household.pk)
    return render(request, "households/household_form.html", {"form": form, "formset": formset})


@login_required
def household_edit(request, pk: int):
    household = selectors.household_get(scope=request.scope, pk=pk, for_edit=True)
    form, formset = forms.household_forms(scope=request.scope, household=household, data=request.POST or None)
    stale = None
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        try:
            archive.household_update(scope=request.scope, actor=request.user, household_id=household.pk,
                                      version=form.cleaned_data["version"] or 0, fields=form.household_fields(),
                                      members=forms.member_inputs(formset))
        except archive.ArchiveInvalid as exc:
            forms.apply_errors(form, formset, exc)
        except Stale as exc:
            stale = exc.differences  # R3: the user's own entries stay on the page; nothing was written
            form.set_version(exc.current.version)
        else:
            messages.success(request, _("The household was saved."))
            return redirect("households:household_detail", pk=household.pk)
    return render(request, "households/household_form.html", {
        "form": form, "formset": formset, "household": household, "stale": stale,
    })


@login_required
@never_cache
def household_export(request):
    """R5/R7: the archive of the list's village and group filters as .xlsx. A maker gets a form first: whole ID and
    phone numbers with a purpose, recorded; everyone else downloads it masked (also recorded). Tellers: 404."""
    if request.scope.role in ARCHIVE_EXPORT_DENIED_ROLES:
        raise Http404
    villages, groups = selectors.household_filter_choices(scope=request.scope)
    form = forms.ArchiveExportForm(request.POST if request.method == "POST" else request.GET,
                                   villages=villages, groups=groups)
    if (request.method == "GET" and request.scope.is_maker) or not form.is_valid():
        return render(request, "households/archive_export_form.html", {"form": form})
    out = tempfile.TemporaryFile()
    try:
        archive.archive_export_write(scope=request.scope, actor=request.user, out=out, **form.filters(),
                                      purpose=form.cleaned_data["purpose"], want_full=form.cleaned_data["full_numbers"])
    except Refusal as exc:
        show_on_form(form, exc)
        return render(request, "households/archive_export_form.html", {"form": form})
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{exports.TITLE}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@login_required
def archive_export_list(request):
    """R4/PIPL: who exported the archive, when, why and how many rows (admin, supervisors, auditors)."""
    exports_page = Paginator(selectors.archive_export_list(scope=request.scope), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "households/archive_export_list.html", {"page": exports_page})


@login_required
def existing_loan_create(request, pk: int):
    household = selectors.household_get(scope=request.scope, pk=pk, for_edit=True)
    return _existing_loan_form(request, household=household, loan=None)


@login_required
def existing_loan_edit(request, pk: int):
    loan = selectors.existing_loan_get(scope=request.scope, pk=pk, for_edit=True)
    return _existing_loan_form(request, household=loan.member.household, loan=loan)


def _existing_loan_form(request, *, household, loan):
    """H4: one form for adding and changing an existing loan; the caller fetched both in scope."""
    form = forms.ExistingLoanForm(request.POST or None, instance=loan, household=household)
    if request.method == "POST" and form.is_valid():
        member_id, fields = form.cleaned_data["member"].pk, form.loan_fields()
        try:
            if loan is None:
                archive.existing_loan_create(scope=request.scope, actor=request.user, member_id=member_id,
                                              fields=fields)
            else:
                archive.existing_loan_update(scope=request.scope, actor=request.user, loan_id=loan.pk,
                                              member_id=member_id, fields=fields)
        except archive.ArchiveInvalid as exc:
            forms.apply_errors(form, None, exc)
        else:
            messages.success(request, _("The existing loan was saved."))
            return redirect("households:household_detail", pk=household.pk)
    return render(request, "households/existing_loan_form.html", {"form": form, "household": household, "loan": loan})


@login_required
@require_POST
def existing_loan_delete(request, pk: int):
    loan = selectors.existing_loan_get(scope=request.scope, pk=pk, for_edit=True)
    archive.existing_loan_delete(scope=request.scope, actor=request.user, loan_id=loan.pk)
    messages.success(request, _("The existing loan was deleted."))
    return redirect("households:household_detail", pk=loan.member.household_id)


# --- Roster import in the browser (H6): upload → preview with every row's errors → confirm ---------------

@login_required
def roster_import_list(request):
    form = forms.RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        item = import_store_upload(form, functools.partial(roster.roster_import_upload, scope=request.scope,
                                                           actor=request.user))
        if item is not None:
            return redirect("households:roster_import_detail", pk=item.pk)
    imports = selectors.roster_import_list(scope=request.scope)
    return render(request, "households/roster_import_list.html", {"form": form, "imports": imports})


@login_required
def roster_import_detail(request, pk: int):
    return import_detail(request, selectors.roster_import_get(scope=request.scope, pk=pk),
                         "households/roster_import_detail.html")


@login_required
@require_POST
def roster_import_confirm(request, pk: int):
    return import_confirm(request, selectors.roster_import_get(scope=request.scope, pk=pk),
                          confirm=roster.roster_import_confirm, message=_("The roster is being imported."),
                          detail="households:roster_import_detail")


@login_required
def roster_template(request):
    """The empty §11 roster template, with one example row."""
    out = io.BytesIO()
    example = ["BR01", "BR01V01", "东岭村", "1组", "BR01V01-00001", "张三", "11010519491231002X", "户主",
               "东岭村1组1号", "13800000000", 5.5, "是"]
    write_xlsx(out, "roster", list(COLUMNS.values()), [example], text_columns=frozenset({0, 1, 4, 6, 9}))
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response
