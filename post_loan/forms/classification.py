"""C6 forms: a manual grade change (grade and reason), and the village list's grade filter."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Grade


class GradeChangeForm(forms.Form):
    grade = forms.TypedChoiceField(label=_("Proposed grade"), choices=Grade.choices, coerce=int)
    reason = forms.CharField(label=_("Reason for the change"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class GradeFilterForm(forms.Form):
    grade = forms.TypedChoiceField(label=_("Grade"), choices=[("", _("All grades")), *Grade.choices], coerce=int,
                                   required=False, empty_value=None)
