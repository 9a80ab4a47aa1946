"""V4 public pages (no login, mounted under /public/ as namespace "public_sv"): the complaint and evaluation form
an officer's card or a branch's board opens by its QR code (?officer=<token> or ?branch=<token>), its
confirmation with the reference number, and the look-up by reference. Visitors have an empty scope: the card is
found by its token alone and the pages show only the officer's name and branch the card itself shows; the
look-up shows one complaint's status and reply, never anyone's contact data. Each client address has a budget
of POSTs per window (sunshine_credit.lib.ratelimit, as the objection form); over it: 429 and nothing written."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from sunshine_credit.errors import Refusal, show_on_form
from sunshine_credit.lib import ratelimit

from ..forms.complaints import ComplaintForm, LookupForm
from ..selectors import complaints as selectors
from ..services import complaints as services


def _allowed(request, bucket: str, factor: int = 1) -> bool:
    """The objections' budget (5 per address per hour by default); look-ups get four times as much."""
    return ratelimit.hit(request, bucket, limit=factor * settings.PUBLIC_OBJECTIONS_PER_WINDOW,
                         window=settings.PUBLIC_RATE_WINDOW_SECONDS)


def _too_many(request):
    return render(request, "public/complaints/too_many.html", status=429)


def _tokens(request) -> dict[str, str]:
    return {"officer_token": request.GET.get("officer", "")[:40], "branch_token": request.GET.get("branch", "")[:40]}


@never_cache
def complaint_form(request):
    tokens = _tokens(request)
    channel = selectors.channel_or_404(**tokens)
    if request.method == "POST" and not _allowed(request, "complaint"):
        return _too_many(request)
    form = ComplaintForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            complaint = services.complaint_file_public(**tokens, **form.cleaned_data)
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            return redirect("public_sv:complaint_done", reference=complaint.reference)
    officer = channel.officer
    return render(request, "public/complaints/form.html", {
        "branch": channel.branch, "officer_name": (officer.get_full_name() or officer.username) if officer else "",
        "form": form, "retention_days": settings.COMPLAINT_CONTACT_RETENTION_DAYS,
        "days": settings.COMPLAINT_HANDLING_DAYS}, status=400 if form.errors else 200)


@never_cache
def complaint_done(request, reference: str):
    if not selectors.public_complaint_exists(reference):
        raise Http404
    return render(request, "public/complaints/done.html", {"reference": reference,
                                                           "days": settings.COMPLAINT_HANDLING_DAYS})


@never_cache
def complaint_lookup(request):
    if request.method == "POST" and not _allowed(request, "complaint_lookup", 4):
        return _too_many(request)
    form = LookupForm(request.POST if request.method == "POST" else None)
    result, status = None, 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            result = selectors.complaint_public_get(reference=form.cleaned_data["reference"])
            status = 200 if result else 404
            if result is None:
                form.add_error("reference", _("Nothing has this reference number. Check it against your "
                                              "confirmation."))
    return render(request, "public/complaints/lookup.html", {"form": form, "result": result}, status=status)
