"""Passwords: every logged-in user changes their own (the old one first; the session stays logged in), and the
head office's administrator sets a staff user's new one from the staff list. Pages outside the administrator's
head office, or for other roles, answer 404 (R1)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from .models import StaffProfile
from .staff import password_audit, staff_get, staff_list, staff_password_reset


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's own form (old password, then the new one twice, with AUTH_PASSWORD_VALIDATORS); form_valid keeps
    the session (update_session_auth_hash), so the user is not logged out by their own change."""

    template_name = "sunshine_credit/password_change.html"
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_audit(user=self.request.user, actor=self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return response


class StaffPasswordForm(forms.Form):
    password1 = forms.CharField(label=gettext_lazy("New password"), required=False, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=gettext_lazy("Leave both empty to give a one-time password, shown once."))
    password2 = forms.CharField(label=gettext_lazy("New password again"), required=False, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1", "") != data.get("password2", ""):
            self.add_error("password2", _("The two passwords differ."))
        return data


@login_required
def staff_list_page(request):
    try:
        staff = staff_list(scope=request.scope)
    except PermissionDenied:
        raise Http404 from None
    return render(request, "sunshine_credit/staff_list.html", {
        "page": Paginator(staff, 100).get_page(request.GET.get("page"))})


@login_required
@never_cache
def staff_password(request, pk: int):
    try:
        profile = staff_get(scope=request.scope, user_id=pk)
    except (PermissionDenied, StaffProfile.DoesNotExist):
        raise Http404 from None
    form = StaffPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        typed = form.cleaned_data["password1"]
        try:
            password = staff_password_reset(scope=request.scope, actor=request.user, user_id=pk, password=typed)
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            if typed:
                messages.success(request, _("The password of %(user)s was set.") % {"user": profile.user.username})
                return redirect("staff_list")
            # The one-time password is on this response only (never stored, never in a URL or the session).
            return render(request, "sunshine_credit/staff_password_done.html", {"profile": profile,
                                                                                 "password": password})
    return render(request, "sunshine_credit/staff_password.html", {"profile": profile, "form": form})
