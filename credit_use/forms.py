"""The line list's filters (GET: no personal data in them)."""

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LineStatus


class LineFilterForm(forms.Form):
    village = forms.TypedChoiceField(label=_("Village"), coerce=int, empty_value=None, required=False)
    campaign = forms.TypedChoiceField(label=_("Campaign"), coerce=int, empty_value=None, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, villages=(), campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("All villages"))] + [(v.pk, v.name) for v in villages]
        self.fields["campaign"].choices = [("", _("All campaigns"))] + [(c.pk, c.name) for c in campaigns]
        self.fields["status"].choices = [("", _("All statuses")), *LineStatus.choices]

    def filters(self) -> dict:
        """The village, campaign and status chosen; a value that is not a choice is ignored on its own."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"village_id": data.get("village"), "campaign_id": data.get("campaign"),
                "status": data.get("status") or ""}

    def query(self) -> str:
        """The filters as the GET query of the list's page links."""
        chosen = self.filters()
        params = {"village": chosen["village_id"], "campaign": chosen["campaign_id"], "status": chosen["status"]}
        return urlencode({key: value for key, value in params.items() if value})
