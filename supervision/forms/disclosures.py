"""V3 forms: one section's text, and an officer's board data."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..rules.disclosures import PHOTO_MAX_BYTES


class DisclosureForm(forms.Form):
    text = forms.CharField(label=_("Text"), required=False, max_length=8000,
                           widget=forms.Textarea(attrs={"rows": 6}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class OfficerBoardForm(forms.Form):
    public_work_phone = forms.CharField(
        label=_("Public work phone"), required=False, max_length=32,
        help_text=_("Shown on the public page and the officer board: the officer's work phone, never a private one."))
    photo = forms.FileField(label=_("Photo"), required=False,
                            help_text=_("A JPEG or PNG picture of at most 2 MB."),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}))
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("The photo is larger than %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // 2**20})
        return photo
