from datetime import timedelta

import pytest
from django.utils import timezone

from survivors.models import Consent, Purpose
from tests.factories import make_survivor

TODAY = timezone.localdate


@pytest.fixture
def adult(safehaven, intake_worker):
    """A Safe Haven survivor recorded by the intake worker."""
    return make_survivor(
        safehaven,
        by=intake_worker.user,
        legal_name="Nadia Petrenko",
        date_of_birth=TODAY() - timedelta(days=30 * 365),
        safety_situation="Former employer searches for her",
        safe_location="Room 4, 12 Hidden Lane",
        needs=["shelter", "legal"],
    )


@pytest.fixture
def minor(safehaven, intake_worker):
    return make_survivor(
        safehaven,
        by=intake_worker.user,
        legal_name="Kofi Mensah",
        date_of_birth=TODAY() - timedelta(days=15 * 365),
    )


def consent_for(
    survivor,
    recipient,
    by,
    *,
    categories=("identity", "needs"),
    purpose=Purpose.LEGAL_REPRESENTATION,
    **extra,
) -> Consent:
    return Consent.objects.create(
        survivor=survivor,
        recipient=recipient,
        purpose=purpose,
        categories=list(categories),
        method=Consent.Method.WRITTEN,
        given_on=TODAY(),
        recorded_by=by,
        **extra,
    )
