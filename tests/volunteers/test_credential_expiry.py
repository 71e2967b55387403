"""A training valid for N months lapses on the same day N months on, or on the last day
of a shorter month: never days early, which would bench a volunteer who is still current."""

from datetime import date

import pytest
import time_machine

from volunteers.forms import CredentialForm
from volunteers.models import Training

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("completed", "months", "expires"),
    [
        ("2026-03-31", 3, date(2026, 6, 30)),
        ("2026-01-31", 1, date(2026, 2, 28)),
        ("2024-02-29", 12, date(2025, 2, 28)),
        ("2026-07-30", 6, date(2027, 1, 30)),
        ("2025-11-15", 2, date(2026, 1, 15)),
    ],
)
@time_machine.travel("2026-12-03 12:00 +0000", tick=False)
def test_a_training_expires_on_the_same_day_months_later(harbor, completed, months, expires):
    training = Training.objects.create(organization=harbor, name="Ethics", valid_for_months=months)
    form = CredentialForm(
        {"kind": "other", "training": training.pk, "completed_on": completed, "expires_on": ""},
        organization_id=harbor.pk,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["expires_on"] == expires
