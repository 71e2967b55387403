"""Agency notices on immigration matters: an RFE or a NOID brings its response deadline
(mailbox rule, weekend and holiday roll, derivation shown, unconfirmed), the stage
follows along its path, and the log is the matter team's alone."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django.urls import reverse

from aftercare.access import access_grant
from aftercare.models import AuditEvent
from cases.kinds import Stage, allowed_stages
from cases.models import AgencyNotice, Deadline, DeadlineRule, Matter
from cases.services.notices import notice_record
from tests.actors import lead_actor
from tests.cases.test_services_take_an_actor import (
    Case,
    run_from_a_task,
    run_rolled_back_when_audit_fails,
    world,  # noqa: F401  (the fixture those helpers work on)
)
from tests.clockwork import NEW_YORK
from tests.factories import make_matter

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')


@pytest.fixture
def matter(harbor, attorney):
    return make_matter(harbor, lead=attorney.user, stage=Stage.FILED)


def page(client, matter):
    return client.get(reverse("cases:detail", args=[matter.pk]))


def log_notice(client, matter, **data):
    form = page(client, matter).text.split(reverse("cases:notice_add", args=[matter.pk]))[1]
    token = TOKEN.search(form).group(1)
    return client.post(
        reverse("cases:notice_add", args=[matter.pk]), {"submission_token": token, **data}
    )


# An RFE dated Friday 27 February 2026, by mail: 84 days is Friday 22 May, 3 days for
# the mail make Monday 25 May, Memorial Day: the answer is due Tuesday 26 May.
@pytest.mark.time_machine(datetime(2026, 3, 4, 10, 0, tzinfo=NEW_YORK), tick=False)
def test_an_rfe_by_mail_brings_its_deadline_rolled_past_memorial_day(matter, attorney, client_for):
    client = client_for(attorney)

    answer = log_notice(
        client,
        matter,
        kind="rfe",
        notice_date="2026-02-27",
        came_by_mail="on",
        receipt_number="EAC2690012345",
    )

    assert answer.status_code == 302
    notice = AgencyNotice.objects.get(matter=matter)
    deadline = notice.deadline
    assert deadline.due_date == date(2026, 5, 26)
    assert deadline.rule.code == "rfe-response" and deadline.trigger_date == date(2026, 2, 27)
    assert [s["step"] for s in deadline.computation] == ["start", "period", "mailed", "rolled"]
    assert deadline.computation[2] == {"step": "mailed", "days": 3, "date": "2026-05-25"}
    assert deadline.computation[3]["holiday"] == "Memorial Day"
    assert deadline.needs_confirmation, "a computed date waits for an attorney"
    shown = client.get(answer.url).text
    assert "Plus 3 days because the notice came by mail: May 25, 2026." in shown
    assert "May 25, 2026 is a court holiday (Memorial Day): moved to May 26, 2026." in shown
    assert "Respond by May 26, 2026" in shown and "Not confirmed" in shown
    assert "EAC2690012345" in shown
    assert Matter.objects.get(pk=matter.pk).stage == Stage.RFE
    assert "Responding to an RFE or NOID" in shown

    client.post(reverse("cases:deadline_confirm", args=[deadline.pk]))
    assert not Deadline.objects.get(pk=deadline.pk).needs_confirmation


# A NOID dated Monday 1 June 2026, by mail: 30 days is 1 July, 3 for the mail make
# Saturday 4 July (Independence Day), then Sunday: due Monday 6 July.
@pytest.mark.time_machine(datetime(2026, 6, 3, 10, 0, tzinfo=NEW_YORK), tick=False)
def test_a_noid_by_mail_brings_its_thirty_day_deadline_rolled_past_the_fourth_of_july(matter):
    outcome = notice_record(
        actor=lead_actor(matter),
        matter=matter,
        kind="noid",
        notice_date=date(2026, 6, 1),
        came_by_mail=True,
    )

    deadline = outcome.deadline
    assert deadline.rule.code == "noid-response"
    assert deadline.due_date == date(2026, 7, 6)
    assert [(s["from"], s["weekend"]) for s in deadline.computation if s["step"] == "rolled"] == [
        ("2026-07-04", True),
        ("2026-07-05", True),
    ]
    assert deadline.confirmed_at is None
    assert outcome.stage_moved_to == Stage.RFE


@pytest.mark.time_machine(datetime(2026, 6, 3, 10, 0, tzinfo=NEW_YORK), tick=False)
def test_a_noid_handed_over_gets_no_mail_days(matter):
    deadline = notice_record(
        actor=lead_actor(matter), matter=matter, kind="noid", notice_date=date(2026, 6, 1)
    ).deadline
    assert deadline.due_date == date(2026, 7, 1)
    assert "mailed" not in [s["step"] for s in deadline.computation]


def test_the_notice_the_deadline_the_stage_and_their_events_commit_together(matter):
    outcome = notice_record(
        actor=lead_actor(matter), matter=matter, kind="rfe", notice_date=date(2026, 2, 27)
    )
    actions = list(
        AuditEvent.objects.filter(object_id=str(matter.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == [
        "cases.deadline.computed",
        "cases.matter.stage_changed",
        "cases.notice.recorded",
    ]
    recorded = AuditEvent.objects.get(action="cases.notice.recorded")
    assert recorded.payload["deadline"] == outcome.deadline.pk
    assert "EAC" not in str(recorded.payload)


def test_an_organization_without_the_rule_gets_the_shipped_pack(matter):
    DeadlineRule.objects.filter(organization=matter.organization, code="noid-response").delete()
    outcome = notice_record(
        actor=lead_actor(matter), matter=matter, kind="noid", notice_date=date(2026, 6, 1)
    )
    assert outcome.deadline.rule.code == "noid-response"
    assert AuditEvent.objects.filter(action="cases.deadline_rules.installed").exists()


def test_a_rule_turned_off_records_the_notice_and_says_there_is_no_deadline(matter):
    DeadlineRule.objects.filter(code="rfe-response").update(is_active=False)
    outcome = notice_record(
        actor=lead_actor(matter), matter=matter, kind="rfe", notice_date=date(2026, 2, 27)
    )
    assert outcome.deadline is None and outcome.notice.pk
    assert "turned off the rule" in outcome.left_undone[0]
    assert not Deadline.objects.filter(matter=matter).exists()


# --- The stage follows, forward along the path only --------------------------------


@pytest.mark.parametrize(
    ("before", "kind", "after"),
    [
        (Stage.PREPARING, "receipt", Stage.FILED),
        (Stage.FILED, "rfe", Stage.RFE),
        (Stage.FILED, "noid", Stage.RFE),
        (Stage.FILED, "interview", Stage.INTERVIEW),  # no RFE came: the stage is skipped
        (Stage.RFE, "interview", Stage.INTERVIEW),
        (Stage.INTERVIEW, "approval", Stage.DECIDED),
        (Stage.FILED, "denial", Stage.DECIDED),
        (Stage.FILED, "biometrics", Stage.FILED),
        (Stage.FILED, "transfer", Stage.FILED),
    ],
)
def test_the_stage_follows_the_notice(harbor, attorney, before, kind, after):
    matter = make_matter(harbor, lead=attorney.user, stage=before)
    outcome = notice_record(
        actor=lead_actor(matter), matter=matter, kind=kind, notice_date=date(2026, 2, 27)
    )
    assert Matter.objects.get(pk=matter.pk).stage == after
    assert outcome.left_undone == []


def test_a_notice_never_moves_the_matter_back_and_says_so(harbor, attorney, client_for):
    matter = make_matter(harbor, lead=attorney.user, stage=Stage.INTERVIEW)
    client = client_for(attorney)
    answer = log_notice(client, matter, kind="rfe", notice_date="2026-02-27")
    assert Matter.objects.get(pk=matter.pk).stage == Stage.INTERVIEW
    assert AgencyNotice.objects.get(matter=matter).deadline is not None
    shown = client.get(answer.url).text
    assert "would move the matter back" in shown


def test_a_notice_that_skips_steps_of_the_path_leaves_the_stage_and_says_so(harbor, attorney):
    matter = make_matter(harbor, lead=attorney.user, stage=Stage.INTAKE)
    outcome = notice_record(
        actor=lead_actor(matter), matter=matter, kind="rfe", notice_date=date(2026, 2, 27)
    )
    assert Matter.objects.get(pk=matter.pk).stage == Stage.INTAKE
    assert "is not the next step" in outcome.left_undone[0]


def test_filed_may_skip_the_rfe_stage_but_nothing_else_is_skipped():
    assert allowed_stages("immigration", Stage.FILED) == [
        Stage.RFE,
        Stage.INTERVIEW,
        Stage.PREPARING,
        Stage.DECIDED,
    ]
    assert Stage.FILED not in allowed_stages("immigration", Stage.INTAKE)


# --- Who may log notices, and where ------------------------------------------------


def test_notices_are_for_immigration_matters_only(harbor, attorney, client_for):
    matter = make_matter(harbor, lead=attorney.user, sub_kind="protective_order")
    client = client_for(attorney)
    assert 'id="notices"' not in page(client, matter).text
    answer = client.post(
        reverse("cases:notice_add", args=[matter.pk]),
        {"kind": "rfe", "notice_date": "2026-02-27"},
    )
    assert "Agency notices are kept for immigration matters only." in client.get(answer.url).text
    assert not AgencyNotice.objects.exists()


def test_a_notice_cannot_be_dated_in_the_future(matter, attorney, client_for):
    answer = client_for(attorney).post(
        reverse("cases:notice_add", args=[matter.pk]),
        {"kind": "receipt", "notice_date": "2099-01-01"},
    )
    assert "A notice cannot be dated in the future." in answer.text
    assert not AgencyNotice.objects.exists()


def test_a_paralegal_who_reads_the_matter_sees_notices_but_cannot_log_one(
    matter, attorney, paralegal, client_for
):
    notice_record(
        actor=lead_actor(matter),
        matter=matter,
        kind="receipt",
        notice_date=date(2026, 2, 2),
        receipt_number="IOE0912345678",
    )
    access_grant(user=paralegal.user, obj=matter, actions=("view",))
    client = client_for(paralegal)
    assert "IOE0912345678" in page(client, matter).text
    answer = client.post(
        reverse("cases:notice_add", args=[matter.pk]), {"kind": "rfe", "notice_date": "2026-02-27"}
    )
    assert answer.status_code == 403
    assert AgencyNotice.objects.count() == 1


@pytest.mark.parametrize("persona", ["outsider", "unassigned_volunteer", "paralegal"])
def test_who_is_not_on_the_matter_gets_404(matter, persona, request, client_for):
    member = request.getfixturevalue(persona)
    answer = client_for(member).post(
        reverse("cases:notice_add", args=[matter.pk]), {"kind": "rfe", "notice_date": "2026-02-27"}
    )
    assert answer.status_code == 404
    assert not AgencyNotice.objects.exists()


def test_a_double_submit_makes_one_notice_and_one_deadline(matter, attorney, client_for):
    client = client_for(attorney)
    form = page(client, matter).text.split(reverse("cases:notice_add", args=[matter.pk]))[1]
    data = {
        "submission_token": TOKEN.search(form).group(1),
        "kind": "rfe",
        "notice_date": "2026-02-27",
        "came_by_mail": "on",
    }
    url = reverse("cases:notice_add", args=[matter.pk])

    first, second = client.post(url, data), client.post(url, data)

    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert AgencyNotice.objects.filter(matter=matter).count() == 1
    assert Deadline.objects.filter(matter=matter, rule__code="rfe-response").count() == 1


def test_the_notices_keep_a_constant_query_count(
    matter, attorney, client_for, django_assert_max_num_queries
):
    client = client_for(attorney)
    actor = lead_actor(matter)
    notice_record(actor=actor, matter=matter, kind="rfe", notice_date=date(2026, 2, 27))
    page(client, matter)
    with django_assert_max_num_queries(60) as few:
        page(client, matter)
    few_count = len(few.captured_queries)
    for day in range(1, 13):
        notice_record(
            actor=actor,
            matter=matter,
            kind="noid" if day % 2 else "biometrics",
            notice_date=date(2026, 3, day),
            receipt_number=f"EAC26900{day:05d}",
        )
    with django_assert_max_num_queries(few_count):
        assert "EAC2690000012" in page(client, matter).text


def test_the_notice_form_speaks_spanish(matter, attorney, client_for):
    from django.utils import translation

    client = client_for(attorney)
    client.cookies["django_language"] = "es"
    # The request switches this thread to Spanish; the tests after this one speak English.
    with translation.override("en"):
        shown = client.get(reverse("cases:detail", args=[matter.pk])).text
    assert "Avisos de la agencia" in shown
    assert "Registrar un aviso" in shown


def test_the_demo_has_a_matter_with_a_receipt_and_an_rfe_awaiting_confirmation():
    import io

    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    rfe = AgencyNotice.objects.get(kind="rfe")
    assert rfe.matter.notices.filter(kind="receipt").exists()
    assert rfe.matter.stage == Stage.RFE
    assert rfe.deadline.rule.code == "rfe-response" and rfe.deadline.needs_confirmation
    assert [s["step"] for s in rfe.deadline.computation][:3] == ["start", "period", "mailed"]


# --- The service takes an actor: a failed audit write undoes it all; from a task it says so


def _rfe_by_mail(w, actor):
    notice_record(
        actor=actor,
        matter=w.matter,
        kind="rfe",
        notice_date=date(2026, 2, 27),
        came_by_mail=True,
        receipt_number="EAC2690012345",
    )


def _without_the_noid_rule(w):
    DeadlineRule.objects.filter(organization=w.harbor, code="noid-response").delete()
    Matter.objects.filter(pk=w.matter.pk).update(stage=Stage.FILED)


SERVICE_CASES = {
    "rfe": Case("attorney", "cases.notice.recorded", _rfe_by_mail),
    "noid_installing_the_rule": Case(
        "attorney",
        "cases.deadline_rules.installed",
        lambda w, a: notice_record(
            actor=a, matter=w.matter, kind="noid", notice_date=date(2026, 6, 1)
        ),
        _without_the_noid_rule,
    ),
}


@pytest.mark.parametrize("name", SERVICE_CASES)
def test_a_failed_audit_write_leaves_no_notice_deadline_or_stage(world, name, monkeypatch):  # noqa: F811
    run_rolled_back_when_audit_fails(world, SERVICE_CASES[name], monkeypatch)


@pytest.mark.parametrize("name", SERVICE_CASES)
def test_a_notice_recorded_from_a_task_says_worker(world, name):  # noqa: F811
    run_from_a_task(world, SERVICE_CASES[name])


def test_erasing_the_client_wipes_the_receipt_numbers_on_their_notices(harbor, coordinator):
    from survivors.services.retention import survivor_erase
    from tests.actors import actor_of

    matter = make_matter(harbor, stage=Stage.FILED)
    notice_record(
        actor=lead_actor(matter),
        matter=matter,
        kind="rfe",
        notice_date=date(2026, 2, 27),
        receipt_number="EAC2690099999",
    )

    report = survivor_erase(actor=actor_of(coordinator), survivor=matter.client)

    notice = AgencyNotice.objects.get(matter=matter)
    assert notice.receipt_number == "" and notice.kind == "rfe"
    assert report.audit_payload()["wiped"]["cases.notice_receipt_numbers"] == 1
