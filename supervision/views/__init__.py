from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import selectors


@login_required
def dashboard(request):
    """V1/H7: the credit figures and the archive coverage per branch and village of the user's scope."""
    return render(request, "supervision/dashboard.html", selectors.dashboard(scope=request.scope))
