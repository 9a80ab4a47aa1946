"""The parts of the import pages (roster, questionnaires) that are the same: upload, detail, confirm."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from .excel import UploadRefused
from .import_jobs import too_large_message, upload_limit


def store_upload(form, upload):
    """Store the form's uploaded file with upload(name=, data=); on refusal the form shows why and None is returned."""
    file = form.cleaned_data["file"]
    try:
        if file.size > upload_limit():
            raise UploadRefused(too_large_message(file.size))
        return upload(name=file.name, data=file.read())
    except UploadRefused as exc:
        form.add_error("file", str(exc))
        return None


def detail(request, item, template: str):
    """An import's page (404 if not visible): refreshed while a job works on it; its maker confirms a checked file."""
    if item is None:
        raise Http404
    Status = type(item).Status
    return render(request, template, {
        "item": item, "waiting": item.status in (Status.VALIDATING, Status.APPLYING), "job": item.job,
        "can_confirm": item.status == Status.VALID and item.created_by_id == request.user.pk,
    })


def confirm(request, item, *, confirm, message: str, detail: str):
    """Only the maker confirms their own import; then back to its page with message."""
    if item is None or item.created_by_id != request.user.pk:
        raise Http404
    confirm(scope=request.scope, actor=request.user, item=item)
    messages.success(request, message)
    return redirect(detail, pk=item.pk)
