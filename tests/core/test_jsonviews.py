"""Issue 15: a JSON endpoint answers each refusal with its status and code (sunshine_credit/jsonviews.py)."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.test import RequestFactory

from sunshine_credit.errors import Refusal, Stale
from sunshine_credit.jsonviews import json_endpoint


class User:
    is_authenticated = True


def answer(exc, user=None):
    @json_endpoint
    def view(request):
        if exc is not None:
            raise exc
        return JsonResponse({"ok": True})

    request = RequestFactory().post("/x/", "{}", content_type="application/json")
    request.user = user or User()
    response = view(request)
    return response.status_code, json.loads(response.content)


@pytest.mark.parametrize("exc, status, code", [
    (Stale("changed"), 409, "stale"),
    (Refusal(errors=[("amount", "too big"), (None, "no")]), 400, "invalid"),
    (PermissionDenied("read only"), 403, "forbidden"),
    (Http404(), 404, "not_found"),
])
def test_each_refusal_has_its_status_and_code(exc, status, code):
    got_status, body = answer(exc)
    assert (got_status, body["code"]) == (status, code) and body["errors"]


def test_a_refusal_keeps_its_fields():
    assert answer(Refusal(errors=[("amount", "too big"), (None, "no"), (None, "never")]))[1]["errors"] == {
        "amount": "too big", "__all__": "no never"}


def test_logged_out_is_401_and_the_view_does_not_run():
    assert answer(RuntimeError("must not run"), user=AnonymousUser())[0] == 401


def test_success_passes_through():
    assert answer(None) == (200, {"ok": True})
