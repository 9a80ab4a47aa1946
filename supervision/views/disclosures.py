"""V3 pages: the administrator's editor and history of the eight disclosures, the officers' board data, the three
service-hall boards (PDF), and the public page of each branch with the officers' photos (no login)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from sunshine_credit.errors import Refusal, show_on_form
from sunshine_credit.lib import ratelimit
from sunshine_credit.scoping import HEAD_OFFICE_READERS

from ..forms.disclosures import DisclosureForm, OfficerBoardForm
from ..models import Section
from ..selectors import disclosures as selectors
from ..services import complaints as complaint_services
from ..services import disclosures as services


@login_required
def disclosure_branch_list(request):
    """The branches of the user's scope, each with its public page and boards (the administrator also edits)."""
    return render(request, "supervision/disclosures/branch_list.html", {
        "branches": selectors.branches(request.scope), "can_edit": request.scope.role == "admin",
        "can_read_history": request.scope.role in HEAD_OFFICE_READERS})


@login_required
def disclosure_edit(request, branch_pk: int):
    services.require_admin(request.scope)
    branch = selectors.branch_or_404(request.scope, branch_pk)
    saved = selectors.texts(branch)
    posted = request.POST.get("section") if request.method == "POST" else None
    forms = []
    for key, label in Section.choices:
        row = saved.get(key)
        initial = {"text": row.text if row else "", "version": row.version if row else 0}
        form = DisclosureForm(request.POST if key == posted else None, initial=initial, prefix=key)
        if form.is_bound and form.is_valid():
            try:
                services.disclosure_save(scope=request.scope, actor=request.user, branch=branch, section=key,
                                         **form.cleaned_data)
            except Refusal as exc:
                show_on_form(form, exc)
            else:
                return redirect(f"{request.path}#section-{key}")
        forms.append({"key": key, "label": label, "form": form, "row": row})
    return render(request, "supervision/disclosures/edit.html", {
        "branch": branch, "forms": forms, "officers": selectors.officers(branch)})


@login_required
def disclosure_history(request, branch_pk: int):
    if request.scope.role not in HEAD_OFFICE_READERS:
        raise PermissionDenied(_("The disclosures' history is read at head office."))
    branch = selectors.branch_or_404(request.scope, branch_pk)
    return render(request, "supervision/disclosures/history.html",
                  {"branch": branch, "versions": selectors.history(branch)})


@login_required
def disclosure_officer_edit(request, branch_pk: int, user_pk: int):
    services.require_admin(request.scope)
    branch = selectors.branch_or_404(request.scope, branch_pk)
    officer = selectors.officer_or_404(request.scope, branch, user_pk)
    profile = selectors.board_profile(officer)
    initial = {"public_work_phone": profile.public_work_phone if profile else "",
               "version": profile.version if profile else 0}
    form = OfficerBoardForm(request.POST or None, request.FILES or None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.officer_profile_save(scope=request.scope, actor=request.user, branch=branch, user_id=officer.pk,
                                          **form.cleaned_data)
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            return redirect("disclosure_edit", branch_pk=branch.pk)
    return render(request, "supervision/disclosures/officer_form.html",
                  {"branch": branch, "officer": officer, "profile": profile, "form": form})


@login_required
@require_GET
def disclosure_board_pdf(request, branch_pk: int, kind: str):
    """A service-hall board of a branch the user reads, to print (A4)."""
    branch = selectors.branch_or_404(request.scope, branch_pk)
    response = HttpResponse(services.board_pdf(branch, kind), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{branch.code}-{kind}.pdf"'
    return response


@require_GET
def disclosure_public(request, code: str):
    """The eight disclosures of a branch, for anyone (the board's QR code, the bank's web site): phone-sized."""
    if not ratelimit.hit(request, "disclosures", limit=20 * settings.PUBLIC_OBJECTIONS_PER_WINDOW,
                         window=settings.PUBLIC_RATE_WINDOW_SECONDS):
        return render(request, "public/too_many.html", status=429)
    branch = selectors.public_branch_or_404(code)
    channel = complaint_services.branch_channel_links(branch, branch.complaint_token)  # 监督渠道: the complaint form
    return render(request, "supervision/disclosures/public.html", {**selectors.page(branch), **channel})


@require_GET
@cache_control(max_age=3600)
def disclosure_photo(request, token: str):
    """An officer's photo, by its random token, with the content type sniffed when it was uploaded."""
    profile = selectors.public_photo_or_404(token)
    response = FileResponse(profile.photo.open("rb"), content_type=profile.photo_type or "image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
