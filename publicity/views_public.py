"""P4 public pages (no login): the objection form the board's QR code opens, its confirmation, the look-up.

Visitors have an empty scope, so the notice is found by its token alone (services_objections.public_notice_or_404)
and the pages show nothing the printed board does not: title, period, where to object, and per line its 序号,
group, the name as published and the amount. Each client address has a budget of POSTs per window
(publicity.ratelimit); over it the answer is 429 and nothing is written.
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_scopes import scopes_disabled

from . import ratelimit
from . import services_objections as services
from .forms_objections import LookupForm, ObjectionForm
from .models import Objection


def _too_many(request):
    return render(request, "public/too_many.html", status=429)


def _board(notice) -> dict:
    """What the page may show of the board: its title, period and the contact printed on it."""
    return {"title": notice.title, "starts_on": notice.starts_on, "ends_on": notice.ends_on,
            "contact": (notice.snapshot or {}).get("contact") or {}}


@never_cache
def objection_form(request, token: str):
    notice = services.public_notice_or_404(token)
    if request.method == "POST" and not ratelimit.objection_allowed(request):
        return _too_many(request)
    items = services.public_board_items(notice)
    closed = services.running_refusal(notice)
    form = ObjectionForm(request.POST if request.method == "POST" else None, items=items)
    if form.is_bound and not closed and form.is_valid():
        try:
            objection = services.objection_lodge_public(token=token, **form.cleaned_data)
        except services.ObjectionRefused as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("public:objection_done", token=token, reference=objection.reference)
    return render(request, "public/objection_form.html", {"board": _board(notice), "form": form, "closed": closed})


@never_cache
def objection_done(request, token: str, reference: str):
    notice = services.public_notice_or_404(token)
    with scopes_disabled():
        if not Objection.objects.filter(notice=notice, reference=reference).exists():
            raise Http404
    return render(request, "public/objection_done.html", {"board": _board(notice), "reference": reference})


@never_cache
def lookup(request):
    if request.method == "POST" and not ratelimit.lookup_allowed(request):
        return _too_many(request)
    form = LookupForm(request.POST if request.method == "POST" else None)
    result = None
    if form.is_bound and form.is_valid():
        result = services.objection_public_get(reference=form.cleaned_data["reference"])
        if result is None:
            form.add_error("reference", _("No objection has this reference number. Check it against your confirmation."))
    return render(request, "public/lookup.html", {"form": form, "result": result})
