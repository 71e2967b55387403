"""Every shipped deadline rule, on fixed dates, including weekend and court-holiday moves
and a minor's statute of limitations."""

import time
from datetime import date

import pytest

from cases.models import DeadlineRule, Jurisdiction
from cases.services.deadlines import deadline_compute, deadline_rules_install
from tests.actors import lead_actor
from tests.factories import make_matter, make_survivor

pytestmark = pytest.mark.django_db


@pytest.fixture
def ny_matter(harbor):
    court = Jurisdiction.objects.create(
        organization=harbor,
        name="NY Family Court",
        type="court",
        holiday_country="US",
        holiday_subdivision="NY",
    )
    return make_matter(
        harbor, jurisdiction=court, client=make_survivor(harbor, date_of_birth=date(2008, 7, 5))
    )


def due(matter, code, **kwargs):
    rule = DeadlineRule.objects.get(organization=matter.organization, code=code)
    return deadline_compute(actor=lead_actor(matter), matter=matter, rule=rule, **kwargs)


def rolled(computation) -> list[tuple[str, str]]:
    return [
        (s["from"], s["holiday"] or "weekend") for s in computation.steps if s["step"] == "rolled"
    ]


def test_rfe_response_rolls_past_memorial_day(ny_matter):
    result = due(ny_matter, "rfe-response", trigger_date=date(2026, 3, 2))
    assert result.due == date(2026, 5, 26)
    assert rolled(result) == [("2026-05-25", "Memorial Day")]


def test_rfe_response_by_mail_adds_three_days(ny_matter):
    result = due(ny_matter, "rfe-response", trigger_date=date(2026, 3, 2), mailed=True)
    assert result.due == date(2026, 5, 28)
    assert [s["step"] for s in result.steps] == ["start", "period", "mailed"]


def test_asylum_one_year_moves_back_off_a_weekend(ny_matter):
    result = due(ny_matter, "asylum-one-year", trigger_date=date(2025, 3, 15))
    assert result.due == date(2026, 3, 13)
    assert rolled(result) == [("2026-03-15", "weekend"), ("2026-03-14", "weekend")]


def test_sijs_age_out_is_the_court_day_before_the_21st_birthday(ny_matter):
    result = due(ny_matter, "sijs-age-out")
    assert result.due == date(2029, 7, 3)
    assert "2008-07-05" not in str(result.steps), "the birth date never enters the steps"
    assert rolled(result) == [("2029-07-04", "Independence Day")]


def test_sijs_needs_a_birth_date(harbor):
    from django.core.exceptions import ValidationError

    matter = make_matter(harbor, client=make_survivor(harbor))
    with pytest.raises(ValidationError):
        due(matter, "sijs-age-out")


def test_tvpra_for_an_adult_runs_ten_years_from_the_violation(harbor):
    matter = make_matter(harbor, client=make_survivor(harbor, date_of_birth=date(1990, 1, 1)))
    result = due(matter, "tvpra-limitation", trigger_date=date(2020, 6, 1))
    assert result.due == date(2030, 6, 3)
    assert rolled(result) == [("2030-06-01", "weekend"), ("2030-06-02", "weekend")]


def test_tvpra_for_a_minor_runs_ten_years_from_the_18th_birthday(harbor):
    matter = make_matter(harbor, client=make_survivor(harbor, date_of_birth=date(2010, 1, 20)))
    result = due(matter, "tvpra-limitation", trigger_date=date(2020, 6, 1))
    assert result.due == date(2038, 1, 20)
    assert {"step": "minor", "date": "2038-01-20"} in result.steps
    assert "2010-01-20" not in str(result.steps) and "2028-01-20" not in str(result.steps)


def test_protective_order_expiry_and_renewal(ny_matter):
    assert due(ny_matter, "protective-order-expiry", trigger_date=date(2026, 2, 10)).due == (
        date(2027, 2, 10)
    )
    assert due(ny_matter, "protective-order-renewal", trigger_date=date(2026, 2, 10)).due == (
        date(2027, 1, 11)
    )


def test_work_permit_renewal_window_skips_new_year_and_the_weekend(ny_matter):
    result = due(ny_matter, "ead-renewal-window", trigger_date=date(2027, 6, 30))
    assert result.due == date(2027, 1, 4)
    assert rolled(result)[0] == ("2027-01-01", "New Year's Day")


def test_u_visa_certification_is_valid_six_months(ny_matter):
    assert due(ny_matter, "u-visa-certification", trigger_date=date(2026, 1, 15)).due == (
        date(2026, 7, 14)
    )


def test_noid_response_is_thirty_days_and_three_more_by_mail(ny_matter):
    # 1 June 2026 + 30 = 1 July; by mail 4 July (Independence Day, a Saturday) → 6 July.
    assert due(ny_matter, "noid-response", trigger_date=date(2026, 6, 1)).due == date(2026, 7, 1)
    result = due(ny_matter, "noid-response", trigger_date=date(2026, 6, 1), mailed=True)
    assert result.due == date(2026, 7, 6)
    assert rolled(result) == [("2026-07-04", "Independence Day"), ("2026-07-05", "weekend")]


def test_i290b_appeal_is_thirty_days_or_thirty_three_by_mail(ny_matter):
    # 9 October 2026 + 30 = Sunday 8 November → Monday 9 November.
    handed = due(ny_matter, "i290b-appeal", trigger_date=date(2026, 10, 9))
    assert handed.due == date(2026, 11, 9)
    assert rolled(handed) == [("2026-11-08", "weekend")]
    # By mail: 11 November, Veterans Day → 12 November.
    mailed = due(ny_matter, "i290b-appeal", trigger_date=date(2026, 10, 9), mailed=True)
    assert mailed.due == date(2026, 11, 12)
    assert rolled(mailed) == [("2026-11-11", "Veterans Day")]


def test_bia_appeal_is_thirty_days_with_no_mail_days(harbor):
    # The Board must receive it: 27 October 2026 + 30 = Thanksgiving → Friday 27 November,
    # mailed or not.
    matter = make_matter(harbor, sub_kind="asylum")
    for mailed in (False, True):
        result = due(matter, "bia-appeal", trigger_date=date(2026, 10, 27), mailed=mailed)
        assert result.due == date(2026, 11, 27)
        assert rolled(result) == [("2026-11-26", "Thanksgiving Day")]
        assert "mailed" not in [s["step"] for s in result.steps]


def test_consular_refusal_is_reconsidered_within_a_year(harbor):
    matter = make_matter(harbor, sub_kind="consular_processing")
    result = due(matter, "consular-refusal-reconsideration", trigger_date=date(2025, 3, 14))
    # 14 March 2026 is a Saturday: the court day before.
    assert result.due == date(2026, 3, 13)


def test_every_shipped_rule_cites_a_source_and_names_known_matter_types():
    from cases.deadline_rules import SHIPPED_RULES
    from cases.kinds import SubKind

    for rule in SHIPPED_RULES:
        assert rule["source"], rule["code"]
        assert set(rule["applies_to"]) <= set(SubKind.values), rule["code"]


def test_every_shipped_rule_is_tested_here():
    tested = {
        "rfe-response",
        "asylum-one-year",
        "sijs-age-out",
        "tvpra-limitation",
        "protective-order-expiry",
        "protective-order-renewal",
        "ead-renewal-window",
        "u-visa-certification",
        "noid-response",
        "i290b-appeal",
        "bia-appeal",
        "consular-refusal-reconsideration",
    }
    from cases.deadline_rules import SHIPPED_RULES

    assert {r["code"] for r in SHIPPED_RULES} == tested


def test_an_admins_edit_changes_later_computations(ny_matter):
    DeadlineRule.objects.filter(code="rfe-response").update(days=30, mailed_extra_days=0)
    assert due(ny_matter, "rfe-response", trigger_date=date(2026, 3, 2)).due == date(2026, 4, 1)


def test_installing_the_pack_twice_keeps_edits(harbor):
    deadline_rules_install(organization=harbor)
    DeadlineRule.objects.filter(code="rfe-response").update(days=30)
    assert deadline_rules_install(organization=harbor) == 0
    assert DeadlineRule.objects.get(organization=harbor, code="rfe-response").days == 30


@pytest.mark.django_db(transaction=True)
def test_two_installs_at_once_give_one_rule_pack(harbor):
    """The second install reads before the first commits (no rules yet), then inserts."""
    import threading

    from django.db import connection, transaction

    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    inserted, errors = threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                deadline_rules_install(organization=harbor)
                inserted.set()
                time.sleep(0.5)  # the second reads and inserts meanwhile
        finally:
            connection.close()

    def second():
        inserted.wait(10)
        try:
            deadline_rules_install(organization=harbor)
        except Exception as error:  # what a second click once got: IntegrityError
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    codes = list(DeadlineRule.objects.filter(organization=harbor).values_list("code", flat=True))
    assert len(codes) == len(set(codes)) > 0
