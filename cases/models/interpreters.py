"""The interpreters who work with the client on a matter: their own details, not the
client's, kept so that a certificate of translation and an interpreter's statement name
who translated, from which language, and how they are qualified."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField

from cases.documents.languages import language_choices, language_of
from cases.models.matter import Matter


class Interpreter(models.Model):
    """One interpreter or translator of one matter, for one language."""

    # A third person's name and contact; with the language, they say what the client speaks.
    PII_FIELDS = ("name", "organization", "phone", "email")

    class Qualification(models.TextChoices):
        COURT_CERTIFIED = "court_certified", _("Court-certified")
        AGENCY_CERTIFIED = "agency_certified", _("Certified by an agency or association")
        COMPETENT = "competent", _("Competent, not certified")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="interpreters")
    name = EncryptedCharField(_("interpreter's name"), max_length=200)
    language = models.CharField(
        _("language"), max_length=8, choices=language_choices(with_english=False)
    )
    qualification = models.CharField(
        _("qualification"), max_length=20, choices=Qualification.choices
    )
    organization = EncryptedCharField(_("organization or agency"), max_length=200, blank=True)
    phone = EncryptedCharField(_("telephone"), max_length=40, blank=True)
    email = EncryptedCharField(_("email"), max_length=254, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.language} interpreter of {self.matter_id}"

    @property
    def language_in_english(self) -> str:
        """As an English certificate names it: "from Spanish into English"."""
        return language_of(self.language).english

    @property
    def qualification_in_english(self) -> str:
        return ENGLISH_QUALIFICATIONS[self.qualification]


# What a certificate printed in English says, whatever the language of the screen
# ("I am ..."), with its article.
ENGLISH_QUALIFICATIONS = {
    Interpreter.Qualification.COURT_CERTIFIED: "a court-certified interpreter",
    Interpreter.Qualification.AGENCY_CERTIFIED: "an interpreter certified by an agency or "
    "professional association",
    Interpreter.Qualification.COMPETENT: "an interpreter competent in both languages "
    "(not certified)",
}
