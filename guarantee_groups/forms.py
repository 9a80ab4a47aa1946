"""Forms of the group pages: they validate and convert types only; the rules (G1–G4) are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sunshine_credit.lib.money import yuan


class GroupFilterForm(forms.Form):
    village = forms.TypedChoiceField(label=_("Village"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("All villages"))] + [(v.pk, v.name) for v in villages]

    def village_id(self) -> int | None:
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get("village")


class AnyIntegerChoices(forms.TypedMultipleChoiceField):
    """Offers the candidates, accepts any household id: the service refuses the others naming the rule and the
    household (G1, G4), which says more than "not a valid choice"."""

    def valid_value(self, value):
        return str(value).isdigit()


class GroupForm(forms.Form):
    """A new group: the members among the village's candidates, the leader among them, name, G5 agreement."""

    households = AnyIntegerChoices(label=_("Group members"), coerce=int)
    leader = forms.IntegerField(label=_("Group leader"))
    name = forms.CharField(label=_("Group name"), max_length=100, required=False)
    allows_outside = forms.BooleanField(label=_("Members may guarantee outside the group"), required=False,
                                        initial=True)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["households"].choices = [(c.household_id, c.code) for c in candidates]
        self.fields["households"].error_messages["required"] = _("Choose the group's members.")
        self.fields["leader"].error_messages["required"] = _("G3: choose the group's leader among its members.")


class GroupUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Group name"), max_length=100, required=False)
    leader = forms.TypedChoiceField(label=_("Group leader"), coerce=int)
    allows_outside = forms.BooleanField(label=_("Members may guarantee outside the group"), required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].choices = [(m.household_id, f"{m.code} {m.name}") for m in members]


class MemberAddForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    # Any household id is accepted here: the service refuses the others naming the rule and the household.
    household = forms.IntegerField(label=_("Household"), widget=forms.Select)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].widget.choices = [(c.household_id, f"{c.code} {c.name} · {yuan(c.line)}")
                                                   for c in candidates]


class VersionForm(forms.Form):
    """Removing a member, dissolving: only the version the page was read at (R3)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
