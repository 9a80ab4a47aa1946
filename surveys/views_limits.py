"""L7 in the UI: start the campaign's computation and watch its progress."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from households.services import MAKER_ROLES
from sunshine_credit.models import Job

from . import selectors_campaigns, services_limits


@login_required
@require_POST
def limits_compute_start(request, pk: int):
    """Compute every household of the campaign the user can see, as a background job."""
    campaign = selectors_campaigns.campaign_get(scope=request.scope, pk=pk)
    if request.scope.role not in MAKER_ROLES:
        raise Http404
    job = services_limits.limits_compute(scope=request.scope, actor=request.user, campaign=campaign)
    return redirect("surveys:limits_job", pk=campaign.pk, job=job.pk)


@login_required
def limits_job(request, pk: int, job: int):
    """The job's progress; only the user who started it sees it (jobs carry no village of their own)."""
    campaign = selectors_campaigns.campaign_get(scope=request.scope, pk=pk)
    item = Job.objects.filter(pk=job, created_by=request.user, task_name=services_limits.TASK_NAME,
                              kwargs__campaign_id=campaign.pk).first()
    if item is None:
        raise Http404
    waiting = item.status in (Job.Status.PENDING, Job.Status.RUNNING)
    return render(request, "surveys/limits_job.html", {"campaign": campaign, "job": item, "waiting": waiting})
