from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.forms import SaneDatesMixin
from cases.kinds import Kind
from cases.models import Grant
from reports.periods import Period, last_quarter

DATE = forms.DateInput(attrs={"type": "date"})
LONGEST = datetime.timedelta(days=3 * 366)


class ReportForm(SaneDatesMixin, forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To"), widget=DATE)
    kind = forms.ChoiceField(
        label=_("Kind of matter"), choices=[("", _("Every kind")), *Kind.choices], required=False
    )
    grant = forms.ModelChoiceField(
        label=_("Grant"),
        queryset=Grant.objects.none(),
        required=False,
        empty_label=_("Every grant"),
        help_text=_("Only matters that carry this grant code."),
    )
    hour_value = forms.DecimalField(
        label=_("Value of a volunteer hour (USD)"),
        min_value=0,
        max_value=10000,
        decimal_places=2,
        max_digits=7,
    )

    def __init__(self, data=None, *, organization_id: int, **kwargs):
        default = last_quarter(timezone.localdate())
        initial = {
            "start": default.start,
            "end": default.end,
            "kind": "",
            "grant": "",
            "hour_value": settings.REPORT_VOLUNTEER_HOUR_VALUE,
        }
        if data is not None:  # a field left out keeps its default
            data = {**{k: str(v) for k, v in initial.items()}, **data.dict()}
        super().__init__(data, initial=initial, **kwargs)
        # The acting organization's grants only: another's id is "not one of the choices".
        self.fields["grant"].queryset = Grant.objects.filter(organization_id=organization_id)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("The end comes after the start."))
            elif end - start > LONGEST:
                self.add_error("end", _("Choose a period of three years at most."))
        return data

    def period(self) -> Period:
        return Period(self.cleaned_data["start"], self.cleaned_data["end"])
