"""C2/C3 pages: the Letters list (by village and kind, delivered or not), a batch printed again, a delivery
receipt recorded (with its optional scan), the scan itself, and the branches' lawyers (the administrator).
Thin views: objects come through the scoped selectors (404 outside, R1), writes through services.letters; pages
are never cached (names, R5)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sunshine_credit.errors import Refusal, show_on_form
from sunshine_credit.models import Role
from sunshine_credit.scoping import village_in_scope_or_404

from ..forms.letters import BatchForm, BranchLawyerForm, LetterFilterForm, ReceiptForm
from ..selectors import letters as selectors
from ..services import letters as services
from .visits import require_reader

PAGE_SIZE = 100
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf"}


@never_cache
@login_required
@require_safe
def letter_list(request):
    require_reader(request)
    villages = selectors.villages_of(request.scope)
    form = LetterFilterForm(request.GET or None, villages=villages)
    data = form.cleaned_data if form.is_valid() else {}
    letters = selectors.letter_list(scope=request.scope, village_id=data.get("village"), kind=data.get("kind", ""),
                                    delivery=data.get("delivery", ""))
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "post_loan/letter_list.html", {"form": form, "page": page, "query": query.urlencode(),
                                                          "is_maker": request.scope.is_maker})


@never_cache
@login_required
@require_POST
def letters_print(request):
    """Print a village's letters of one kind and day again, as one PDF made by a job for the asker."""
    require_reader(request)
    form = BatchForm(request.POST)
    if not form.is_valid():
        raise Http404
    village = village_in_scope_or_404(request.scope, form.cleaned_data["village"])
    item = services.letters_batch_request(scope=request.scope, actor=request.user, village=village,
                                          kind=form.cleaned_data["kind"], issued_on=form.cleaned_data["issued_on"])
    return redirect("generated_file_status", pk=item.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def letter_receipt(request, pk: int):
    require_reader(request)
    letter = selectors.letter_get(scope=request.scope, pk=pk, for_edit=True)
    initial = {"delivered_on": letter.delivered_on or timezone.localdate(), "delivered_to": letter.delivered_to
               or letter.recipient_name, "signed": letter.receipt_signed, "version": letter.version}
    form = ReceiptForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.receipt_record(scope=request.scope, actor=request.user, letter_id=letter.pk,
                                    version=data["version"], delivered_on=data["delivered_on"],
                                    delivered_to=data["delivered_to"], signed=data["signed"], scan=data.get("scan"))
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The receipt was recorded."))
            return redirect(f"{_list_url()}?village={letter.village_id}&kind={letter.kind}")
    return render(request, "post_loan/letter_receipt.html", {"letter": letter, "form": form})


def _list_url() -> str:
    from django.urls import reverse

    return reverse("post_loan:letter_list")


@never_cache
@login_required
@require_safe
def letter_scan(request, pk: int):
    """A receipt's scan, to the scope's readers only (never a public media URL)."""
    require_reader(request)
    letter = selectors.letter_get(scope=request.scope, pk=pk)
    if not letter.receipt_scan:
        raise Http404
    extension = letter.receipt_scan.name.rsplit(".", 1)[-1]
    response = FileResponse(letter.receipt_scan.open("rb"),
                            content_type=CONTENT_TYPES.get(extension, "application/octet-stream"))
    response["Content-Disposition"] = f'inline; filename="receipt-{letter.pk}.{extension}"'
    return response


@never_cache
@login_required
@require_safe
def lawyer_list(request):
    """The branches of the head office and the lawyer each instructs (the administrator keeps them)."""
    require_reader(request, {Role.ADMIN})
    return render(request, "post_loan/lawyer_list.html", {"rows": selectors.branch_lawyers(request.scope)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def lawyer_edit(request, branch_pk: int):
    require_reader(request, {Role.ADMIN})
    branch, lawyer = selectors.branch_lawyer_get(request.scope, branch_pk)
    form = BranchLawyerForm(request.POST or None, instance=lawyer,
                            initial={"version": lawyer.version if lawyer else 0})
    if request.method == "POST" and form.is_valid():
        try:
            services.lawyer_save(scope=request.scope, actor=request.user, branch=branch,
                                 version=form.cleaned_data.get("version") or 0,
                                 values={k: form.cleaned_data[k] for k in ("name", "firm", "phone")})
        except (Refusal, PermissionDenied) as exc:
            show_on_form(form, exc if isinstance(exc, Refusal) else Refusal(str(exc)))
        else:
            messages.success(request, _("The branch's lawyer was saved."))
            return redirect("post_loan:lawyer_list")
    return render(request, "post_loan/lawyer_form.html", {"branch": branch, "form": form})
