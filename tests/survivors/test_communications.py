"""The communications log obeys the survivor's safe-contact rules.

An outbound contact on a channel that is unsafe, not marked safe, or used on a day or at
an hour the rules do not allow (read in the organization's time zone) is refused with
its reason, and nothing is saved; a coordinator may log it anyway with a reason, which
is audited. A letter to the client by post is refused the same way. Each organization
sees only its own log, and only for survivors its member may see.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.access import access_grant
from aftercare.models import AuditEvent
from cases.models import DocumentDraft
from survivors.models import Communication, Consent, Purpose, SafeContact, SurvivorShare
from survivors.services.communications import (
    communication_log,
    communications_for,
    contact_permitted,
)
from survivors.services.sharing import survivor_access_refresh
from tests.actors import actor_of
from tests.canary import readable_hits, tables_containing
from tests.clockwork import NEW_YORK
from tests.factories import make_matter, make_survivor

pytestmark = pytest.mark.django_db

# A Wednesday evening in New York (the organization's zone, from the settings).
WEDNESDAY = datetime(2026, 12, 2, 18, 0, tzinfo=NEW_YORK)
WEDNESDAY_MORNING = WEDNESDAY.replace(hour=11)
FIXED_CLOCK = pytest.mark.time_machine(WEDNESDAY, tick=False)
CANARY = "Qxcommsz"


@pytest.fixture
def client_person(harbor, coordinator):
    """Harbor's client: phone on weekdays 9 to 5, text any time, post unsafe, no email rule."""
    survivor = make_survivor(harbor, by=coordinator.user, legal_name="Lucía Ferreira")
    SafeContact.objects.create(
        survivor=survivor,
        channel=SafeContact.Channel.PHONE,
        is_safe=True,
        allowed_days=[1, 2, 3, 4, 5],
        allowed_from=time(9),
        allowed_until=time(17),
    )
    SafeContact.objects.create(survivor=survivor, channel=SafeContact.Channel.SMS, is_safe=True)
    SafeContact.objects.create(survivor=survivor, channel=SafeContact.Channel.POST, is_safe=False)
    return survivor


@pytest.fixture
def matter(harbor, attorney, client_person):
    return make_matter(harbor, lead=attorney.user, client=client_person)


def log_url(survivor) -> str:
    return reverse("survivors:communications", args=[survivor.pk])


def contact(**overrides) -> dict:
    """What a browser posts: ISO date from the date picker, CRLF line breaks."""
    data = {
        "kind": "call",
        "direction": "outbound",
        "channel": "phone",
        "occurred_on": "2026-12-02",
        "occurred_time": "10:30",
        "interpreter_language": "Portuguese",
        "summary": "Confirmed the appointment.\r\nShe asked about her work permit.",
    }
    return {**data, **overrides}


# --- The rules -------------------------------------------------------------------------


def test_safe_contact_rules_are_read_in_the_organizations_time_zone(client_person, coordinator):
    actor = actor_of(coordinator)
    # 14:30 UTC is 9:30 in New York: inside the hours. 13:30 UTC is 8:30: before them.
    inside = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)
    before = datetime(2026, 12, 2, 13, 30, tzinfo=UTC)
    assert contact_permitted(actor=actor, survivor=client_person, channel="phone", at=inside) == ""
    reason = contact_permitted(actor=actor, survivor=client_person, channel="phone", at=before)
    assert "between 09:00 and 17:00" in reason and "America/New_York" in reason


def test_each_kind_of_refusal_says_why(client_person, coordinator):
    actor = actor_of(coordinator)
    saturday = datetime(2026, 12, 5, 11, 0, tzinfo=NEW_YORK)

    def why(channel, at=WEDNESDAY_MORNING):
        return contact_permitted(actor=actor, survivor=client_person, channel=channel, at=at)

    assert why("sms") == "" and why("sms", saturday) == "", "text messages: any day, any time"
    assert why("in_person") == "", "no safe-contact rule governs meeting in person"
    assert "Post is marked unsafe" in why("post")
    assert "Email is not marked safe" in why("email")
    assert "only on Monday, Tuesday, Wednesday, Thursday, Friday" in why("phone", saturday)
    assert why("phone") == ""
    refused = AuditEvent.objects.filter(action="survivors.safe_contact.refused")
    assert {e.payload["rule"] for e in refused} == {"unsafe", "no_rule", "day"}


# --- Logging through the page ----------------------------------------------------------


@FIXED_CLOCK
def test_an_outbound_contact_on_an_unsafe_channel_is_refused_and_nothing_is_saved(
    client_person, attorney, client_for
):
    access_grant(user=attorney.user, obj=client_person)
    page = client_for(attorney).post(
        log_url(client_person), contact(kind="letter", channel="post", summary="Sent the\r\nform")
    )

    assert page.status_code == 200
    assert "Post is marked unsafe for this survivor" in page.text
    assert "Only a coordinator may override this, with a reason." in page.text
    assert "Sent the\r\nform</textarea>" in page.text, "what was typed is kept"
    assert not Communication.objects.exists()
    event = AuditEvent.objects.get(action="survivors.safe_contact.refused")
    assert event.payload == {"contact_channel": "post", "rule": "unsafe", "logging": True}


@FIXED_CLOCK
def test_an_inbound_contact_is_always_logged(client_person, attorney, client_for):
    access_grant(user=attorney.user, obj=client_person)
    answer = client_for(attorney).post(
        log_url(client_person), contact(direction="inbound", channel="email", kind="message")
    )
    assert answer.status_code == 302
    entry = Communication.objects.get()
    assert (entry.direction, entry.channel, entry.staff) == ("inbound", "email", attorney.user)
    assert entry.summary == "Confirmed the appointment.\nShe asked about her work permit."


@FIXED_CLOCK
@pytest.mark.parametrize(
    ("day", "hour", "logged", "reason"),
    [
        ("2026-12-02", "10:30", True, ""),
        ("2026-12-02", "17:00", True, ""),
        ("2026-12-02", "08:59", False, "between 09:00 and 17:00"),
        ("2026-11-28", "10:30", False, "only on Monday"),  # a Saturday
    ],
)
def test_outbound_calls_follow_the_allowed_days_and_hours(
    client_person, attorney, client_for, day, hour, logged, reason
):
    access_grant(user=attorney.user, obj=client_person)
    page = client_for(attorney).post(
        log_url(client_person), contact(occurred_on=day, occurred_time=hour)
    )
    assert Communication.objects.exists() is logged
    if reason:
        assert reason in page.text


@FIXED_CLOCK
def test_the_override_is_a_coordinators_needs_a_reason_and_is_audited(
    client_person, coordinator, attorney, client_for
):
    client = client_for(coordinator)
    saturday_night = contact(occurred_on="2026-11-28", occurred_time="21:00")

    page = client.post(log_url(client_person), saturday_night)
    assert "To log it anyway, give the reason for the override." in page.text
    page = client.post(log_url(client_person), {**saturday_night, "override_reason": "   "})
    assert not Communication.objects.exists(), "a blank reason is no reason"

    reason = f"Emergency hearing moved; {CANARY} had to know"
    answer = client.post(log_url(client_person), {**saturday_night, "override_reason": reason})
    assert answer.status_code == 302
    entry = Communication.objects.get()
    assert entry.overridden_by == coordinator.user and entry.override_reason == reason
    event = AuditEvent.objects.get(action="survivors.safe_contact.overridden")
    assert event.payload == {"communication": entry.pk, "contact_channel": "phone", "rule": "day"}
    assert CANARY not in str(event.payload), "the reason stays encrypted on the entry"
    assert reason in client.get(log_url(client_person)).text

    # An attorney cannot override, whatever they post.
    access_grant(user=attorney.user, obj=client_person)
    client_for(attorney).post(log_url(client_person), {**saturday_night, "override_reason": "x"})
    assert Communication.objects.count() == 1


@FIXED_CLOCK
def test_the_summary_and_reason_are_never_stored_in_plaintext(
    client_person, coordinator, client_for
):
    client_for(coordinator).post(
        log_url(client_person),
        contact(
            occurred_time="08:00",
            summary=f"Talked about {CANARY}",
            interpreter_language=f"{CANARY}ish",
            override_reason=f"Because of {CANARY}",
        ),
    )
    entry = Communication.objects.get()
    assert entry.overridden
    assert tables_containing(CANARY) == []
    assert {(h.table, h.column) for h in readable_hits(CANARY)} == {
        ("survivors_communication", "summary"),
        ("survivors_communication", "interpreter_language"),
        ("survivors_communication", "override_reason"),
    }


@FIXED_CLOCK
def test_a_double_click_logs_one_contact(client_person, attorney, client_for):
    access_grant(user=attorney.user, obj=client_person)
    client = client_for(attorney)
    data = contact(submission_token="T" * 24)
    first, second = (
        client.post(log_url(client_person), data),
        client.post(log_url(client_person), data),
    )
    assert first.status_code == second.status_code == 302
    assert Communication.objects.count() == 1


@FIXED_CLOCK
def test_spanish_dates_and_messages(client_person, attorney, client_for):
    access_grant(user=attorney.user, obj=client_person)
    client = client_for(attorney)
    # Typed by hand in Spanish: day first. 2 December, not 12 February.
    answer = client.post(
        log_url(client_person),
        contact(occurred_on="02/12/2026", direction="inbound"),
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert answer.status_code == 302
    assert timezone.localtime(Communication.objects.get().occurred_at).date().isoformat() == (
        "2026-12-02"
    )
    page = client.post(
        log_url(client_person), contact(channel="post", kind="letter"), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert "está marcado como inseguro para esta persona" in page.text
    # The date picker gets an ISO date in Spanish too (a browser shows nothing otherwise).
    assert (
        'value="2026-12-02"' in client.get(log_url(client_person), HTTP_ACCEPT_LANGUAGE="es").text
    )


@FIXED_CLOCK
def test_a_contact_in_the_future_is_not_logged(client_person, attorney, client_for):
    access_grant(user=attorney.user, obj=client_person)
    page = client_for(attorney).post(
        log_url(client_person), contact(occurred_on="2026-12-09", direction="inbound")
    )
    assert "This is in the future" in page.text and not Communication.objects.exists()


# --- Letters to the client -------------------------------------------------------------


def _letter_draft(matter, attorney, client_for):
    client = client_for(attorney)
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "client_letter"})
    draft = DocumentDraft.objects.get(template_code="client_letter")
    page = client.post(
        reverse("cases:document_draft", args=[draft.pk]),
        {"paragraphs": "Your hearing is on Monday.", "generate": "1"},
        follow=True,
    )
    draft.refresh_from_db()
    return draft, page


def test_a_letter_by_post_is_refused_when_post_is_unsafe(matter, attorney, client_for):
    draft, page = _letter_draft(matter, attorney, client_for)
    assert "This letter cannot be generated: Post is marked unsafe" in page.text
    assert draft.status == DocumentDraft.Status.EDITING
    assert draft.fields["paragraphs"] == "Your hearing is on Monday.", "what was typed is kept"
    assert not AuditEvent.objects.filter(action="cases.document.generation_requested").exists()


def test_a_letter_by_post_is_generated_when_post_is_safe(
    matter, client_person, attorney, client_for
):
    SafeContact.objects.filter(survivor=client_person, channel="post").update(is_safe=True)
    draft, page = _letter_draft(matter, attorney, client_for)
    assert "cannot be generated" not in page.text
    assert draft.status == DocumentDraft.Status.GENERATING


# --- Who sees which log ----------------------------------------------------------------


@pytest.fixture
def shared_survivor(safehaven, intake_worker, harbor):
    """A Safe Haven survivor shared with Harbor under a consent; both log contacts."""
    survivor = make_survivor(safehaven, by=intake_worker.user, legal_name="Ana Lima")
    SafeContact.objects.create(survivor=survivor, channel="sms", is_safe=True)
    consent = Consent.objects.create(
        survivor=survivor,
        recipient=harbor,
        purpose=Purpose.LEGAL_REPRESENTATION,
        categories=["identity", "contact"],
        method=Consent.Method.WRITTEN,
        given_on=timezone.localdate(),
        recorded_by=intake_worker.user,
    )
    SurvivorShare.objects.create(survivor=survivor, organization=harbor, consent=consent)
    survivor_access_refresh(survivor=survivor, organization_id=harbor.pk)
    return survivor


def _log(membership, survivor, summary):
    return communication_log(
        actor=actor_of(membership),
        survivor=survivor,
        data={
            "kind": "message",
            "direction": "outbound",
            "channel": "sms",
            "occurred_at": timezone.now(),
            "summary": summary,
        },
    )


def test_each_organization_sees_only_its_own_log(
    shared_survivor, intake_worker, coordinator, client_for
):
    _log(intake_worker, shared_survivor, "Safe Haven's own contact")
    _log(coordinator, shared_survivor, "Harbor's own contact")

    harbor_page = client_for(coordinator).get(log_url(shared_survivor))
    haven_page = client_for(intake_worker).get(log_url(shared_survivor))

    assert "Harbor&#x27;s own contact" in harbor_page.text
    assert "Safe Haven&#x27;s own contact" not in harbor_page.text
    assert "Safe Haven&#x27;s own contact" in haven_page.text
    assert "Harbor&#x27;s own contact" not in haven_page.text


def test_people_who_may_not_see_the_survivor_see_no_log(
    client_person, coordinator, paralegal, outsider, client_for
):
    _log(coordinator, client_person, "A text about the hearing")
    assert communications_for(actor=actor_of(paralegal), survivor=client_person) == []
    assert communications_for(actor=actor_of(outsider), survivor=client_person) == []
    assert client_for(paralegal).get(log_url(client_person)).status_code == 404
    assert client_for(outsider).get(log_url(client_person)).status_code == 404


def test_the_matter_page_shows_its_clients_contacts_by_its_organization(
    matter, client_person, attorney, coordinator, riverside, client_for
):
    _log(coordinator, client_person, "Texted the hearing date")
    # Another organization's entry about the same person never shows here.
    Communication.objects.create(
        survivor=client_person,
        organization=riverside,
        kind="call",
        direction="inbound",
        channel="phone",
        staff=coordinator.user,
        summary="Riverside's entry",
    )
    page = client_for(attorney).get(reverse("cases:detail", args=[matter.pk]))
    assert "Contacts with the client" in page.text
    assert "Texted the hearing date" in page.text
    assert "Riverside" not in page.text


def test_the_log_runs_the_same_queries_for_more_entries(
    client_person, coordinator, client_for, django_assert_max_num_queries
):
    client = client_for(coordinator)
    _log(coordinator, client_person, "First")
    client.get(log_url(client_person))
    with django_assert_max_num_queries(40) as few:
        client.get(log_url(client_person))
    baseline = len(few.captured_queries)
    for n in range(15):
        _log(coordinator, client_person, f"Contact {n}")
    with django_assert_max_num_queries(baseline):
        page = client.get(log_url(client_person))
    assert "Contact 14" in page.text


def test_erasing_the_survivor_erases_the_log(client_person, coordinator, client_for):
    _log(coordinator, client_person, f"About {CANARY}")
    page = client_for(coordinator, sudo=True).post(
        reverse("survivors:erase", args=[client_person.pk]), {"confirm": client_person.code}
    )
    assert "Communications log entries, with their summaries" in page.text
    assert not Communication.objects.exists()
    assert readable_hits(CANARY) == set()


# --- Services take an actor, and commit with their audit event -------------------------


def test_when_the_audit_event_cannot_be_written_no_contact_is_logged(
    client_person, coordinator, monkeypatch
):
    from tests.database_state import AuditWriteError, audit_writes_fail

    audit_writes_fail(monkeypatch)
    with pytest.raises(AuditWriteError):
        _log(coordinator, client_person, "A text")
    assert not Communication.objects.exists()


def test_the_override_commits_with_both_events_or_not_at_all(client_person, coordinator):
    entry = communication_log(
        actor=actor_of(coordinator),
        survivor=client_person,
        data={
            "kind": "letter",
            "direction": "outbound",
            "channel": "post",
            "occurred_at": timezone.now(),
        },
        override_reason="Court order must be served by post",
    )
    actions = set(
        AuditEvent.objects.filter(object_id=str(client_person.pk)).values_list("action", flat=True)
    )
    assert {"survivors.communication.logged", "survivors.safe_contact.overridden"} <= actions
    assert entry.overridden


def test_communication_services_take_an_actor_not_the_request():
    import inspect

    from survivors.services import communications

    for name, function in inspect.getmembers(communications, inspect.isfunction):
        if function.__module__ == communications.__name__:
            assert "request" not in inspect.signature(function).parameters, name
