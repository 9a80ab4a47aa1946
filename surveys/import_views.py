"""Questionnaire import in the browser (S2, §11): upload → check job → preview with every row's errors
and a count per village → confirm → apply job. Codes only on these pages, never a respondent's name."""

import functools
import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sunshine_credit import import_views
from sunshine_credit.excel import write_xlsx

from . import services_imports as services
from .imports import COLUMNS
from .models import Campaign


class SurveyUploadForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), label=gettext_lazy("Campaign"))
    file = forms.FileField(label=gettext_lazy("Survey workbook (.xlsx)"))

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(head_office_id=scope.head_office_id)


@login_required
def survey_import_list(request):
    form = SurveyUploadForm(request.POST or None, request.FILES or None, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        item = import_views.store_upload(form, functools.partial(services.survey_import_upload, scope=request.scope,
                                                                 actor=request.user,
                                                                 campaign=form.cleaned_data["campaign"]))
        if item is not None:
            return redirect("surveys:survey_import_detail", pk=item.pk)
    imports = services.survey_import_list(scope=request.scope)
    return render(request, "surveys/survey_import_list.html", {"form": form, "imports": imports})


@login_required
def survey_import_detail(request, pk: int):
    return import_views.detail(request, services.survey_import_get(scope=request.scope, pk=pk),
                               "surveys/survey_import_detail.html")


@login_required
@require_POST
def survey_import_confirm(request, pk: int):
    return import_views.confirm(request, services.survey_import_get(scope=request.scope, pk=pk),
                                confirm=services.survey_import_confirm,
                                message=_("The questionnaires are being imported."),
                                detail="surveys:survey_import_detail")


@login_required
def survey_template(request):
    """The empty §11 survey template, with one example row."""
    out = io.BytesIO()
    example = ["BR01V01-00001", "BR01V01-R01", "1,7", "否", 350000, 100000, 80000, "11010519491231002X", 80000, ""]
    write_xlsx(out, "surveys", list(COLUMNS.values()), [example], text_columns=frozenset({0, 1, 2, 7, 9}))
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="survey-template.xlsx"'
    return response
