from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evidence.models import Evidence

# What phones and scanners make; the content decides in the end (aftercare.cleaning).
ACCEPT = "application/pdf,image/jpeg,image/png,image/heic,image/heif,.pdf,.jpg,.jpeg,.png,.heic"


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Evidence.Kind.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What it is and where it came from, in a few words."),
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("A PDF, or a photo (JPEG, PNG, or HEIC from a phone), up to %(mb)s MB."),
    )

    def __init__(self, *args, max_mb: int = 5, **kwargs) -> None:
        # Ids of their own: the matter page has other forms with a "kind" and a "file".
        kwargs.setdefault("auto_id", "id_evidence_%s")
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.fields["file"].help_text % {"mb": max_mb}
