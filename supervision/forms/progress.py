"""V1: the stage timetable's form (one row per stage, in the stages' order; the order rule is the service's) and
the form that asks for a branch's ten-day progress report."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Stage
from ..rules.progress import STAGES, PlanRow, recent_periods

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PERIOD_CHOICES = 9  # the report form offers the last three months' periods


class StageRowForm(forms.Form):
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE)


class BasePlanFormSet(forms.BaseFormSet):
    """Six rows, the stage of each given by its place (never by the POST)."""

    def __init__(self, *args, stamp: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.stamp = (self.data.get(f"{self.prefix}-stamp", "") if self.is_bound else stamp)[:64]
        for form, stage in zip(self.forms, Stage, strict=False):
            form.stage = stage

    def rows(self) -> list[PlanRow]:
        return [PlanRow(stage, form.cleaned_data["starts_on"], form.cleaned_data["ends_on"])
                for stage, form in zip(STAGES, self.forms, strict=True)]

    def form_for(self, stage: str):
        return self.forms[STAGES.index(stage)] if stage in STAGES else None


PlanFormSet = forms.formset_factory(StageRowForm, formset=BasePlanFormSet, extra=0, min_num=len(STAGES),
                                    max_num=len(STAGES), validate_min=True, validate_max=True)


def plan_formset(data=None, *, plans: dict, offered: list[PlanRow], stamp: str) -> BasePlanFormSet:
    """The saved timetable, or (while it has none) the one offered from seed 000's."""
    initial = []
    for stage, default in zip(STAGES, offered, strict=True):
        plan = plans.get(stage)
        initial.append({"starts_on": plan.starts_on if plan else default.starts_on,
                        "ends_on": plan.ends_on if plan else default.ends_on})
    return PlanFormSet(data, initial=initial, prefix="plan", stamp=stamp)


class ReportRequestForm(forms.Form):
    """Ids only: the service checks each against the scope (R1, STYLE §3.4)."""

    branch = forms.TypedChoiceField(label=_("Branch"), coerce=int)
    campaign = forms.TypedChoiceField(label=_("Campaign"), coerce=int)
    period = forms.TypedChoiceField(label=_("Ten-day period"), coerce=datetime.date.fromisoformat)

    def __init__(self, *args, branches: list, campaigns: list, today: datetime.date, **kwargs):
        """`branches`: those the user asks for; `campaigns`: the head office's, latest first."""
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(b.pk, b.name) for b in branches]
        self.fields["campaign"].choices = [(c.pk, c.name) for c in campaigns]
        self.fields["period"].choices = [(p.end.isoformat(), f"{p.start:%Y-%m-%d} – {p.end:%Y-%m-%d}")
                                         for p in recent_periods(today, PERIOD_CHOICES)]


def show_on_plan(formset: BasePlanFormSet, exc) -> list[str]:
    """Put a refusal's messages on the rows and fields they name ("surveyed.ends_on"); returns the others (the
    page shows them above the table)."""
    rest = []
    for name, message in exc.errors:
        stage, _dot, field = (name or "").partition(".")
        form = formset.form_for(stage)
        if form is not None and field in form.fields:
            form.add_error(field, message)
        else:
            rest.append(str(message))
    return rest
