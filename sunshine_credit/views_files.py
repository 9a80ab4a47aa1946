"""A generated file's status page (progress while its job runs) and its download."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render

from .files import generated_file_get
from .models import GeneratedFile


@login_required
def generated_file_status(request, pk: int):
    item = generated_file_get(scope=request.scope, user=request.user, pk=pk)
    waiting = item.status == GeneratedFile.Status.PENDING
    return render(request, "sunshine_credit/generated_file.html", {"item": item, "job": item.job, "waiting": waiting})


@login_required
def generated_file_download(request, pk: int):
    item = generated_file_get(scope=request.scope, user=request.user, pk=pk)
    if item.status != GeneratedFile.Status.DONE or not item.file:
        raise Http404
    return FileResponse(item.file.open("rb"), content_type=item.content_type, filename=item.file_name,
                        as_attachment=False)
