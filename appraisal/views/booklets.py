"""A3 for officers: print the appraisal booklet (评议册) and import the filled ones.

Makers of the panel's village only (`booklet_panel_or_404`: edit scope, not seated on the panel); 404
otherwise (R1). The import pages show counts of rows per seat, never an entry (A3).
"""

import functools
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sunshine_credit.views import import_confirm, import_detail, import_store_upload

from .. import selectors
from ..exports import EXPORT_STATUSES, XLSX, booklet_file_name, booklet_write
from ..forms import BookletUploadForm
from ..models import Panel
from ..services import booklets as services


@login_required
@require_GET
@never_cache
def booklet_export(request, pk: int):
    panel = selectors.booklet_panel_or_404(request.scope, pk, statuses=EXPORT_STATUSES)
    out = io.BytesIO()
    booklet_write(panel=panel, out=out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, booklet_file_name(panel))
    return response


@login_required
@never_cache
def booklet_import_list(request, pk: int):
    panel = selectors.booklet_panel_or_404(request.scope, pk)
    form = BookletUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = import_store_upload(form, functools.partial(
                services.booklet_import_upload, scope=request.scope, actor=request.user, panel=panel))
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            if item is not None:
                return redirect("appraisal:booklet_import_detail", pk=item.pk)
    return render(request, "appraisal/booklet_import_list.html", {
        "panel": panel, "form": form, "can_upload": panel.status == Panel.Status.OPEN,
        "imports": selectors.booklet_import_list(scope=request.scope, panel=panel)})


@login_required
@never_cache
def booklet_import_detail(request, pk: int):
    return import_detail(request, selectors.booklet_import_get(scope=request.scope, pk=pk),
                         "appraisal/booklet_import_detail.html")


@login_required
@require_POST
def booklet_import_confirm(request, pk: int):
    return import_confirm(request, selectors.booklet_import_get(scope=request.scope, pk=pk),
                          confirm=services.booklet_import_confirm,
                          message=_("The booklet's entries are being imported."),
                          detail="appraisal:booklet_import_detail")
