"""A retention period is whole calendar years after closure, whatever the leap days."""

from datetime import date, datetime

import pytest

from survivors.models import RetentionPolicy, Survivor
from survivors.services.retention import retention_due
from tests.clockwork import NEW_YORK
from tests.factories import make_survivor

pytestmark = pytest.mark.django_db


def test_a_record_closed_seven_years_ago_is_kept_until_the_seventh_anniversary(safehaven):
    closed = make_survivor(safehaven, status="closed")
    Survivor.objects.filter(pk=closed.pk).update(
        closed_at=datetime(2020, 1, 15, 12, 0, tzinfo=NEW_YORK)
    )
    policy = RetentionPolicy.objects.create(organization=safehaven, years_after_closure=7)
    assert retention_due(policy, today=date(2027, 1, 16)).get() == closed
    assert not retention_due(policy, today=date(2027, 1, 14)).exists()
