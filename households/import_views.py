"""Roster import in the browser (H6): upload → preview with every row's errors → confirm."""

import functools
import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sunshine_credit import import_views
from sunshine_credit.excel import write_xlsx

from . import selectors, services
from .imports import COLUMNS


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Roster workbook (.xlsx)"))


@login_required
def roster_import_list(request):
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        item = import_views.store_upload(form, functools.partial(services.roster_import_upload, scope=request.scope,
                                                                 actor=request.user))
        if item is not None:
            return redirect("households:roster_import_detail", pk=item.pk)
    imports = selectors.roster_import_list(scope=request.scope)
    return render(request, "households/roster_import_list.html", {"form": form, "imports": imports})


@login_required
def roster_import_detail(request, pk: int):
    return import_views.detail(request, selectors.roster_import_get(scope=request.scope, pk=pk),
                               "households/roster_import_detail.html")


@login_required
@require_POST
def roster_import_confirm(request, pk: int):
    return import_views.confirm(request, selectors.roster_import_get(scope=request.scope, pk=pk),
                                confirm=services.roster_import_confirm, message=_("The roster is being imported."),
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
