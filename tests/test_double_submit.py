"""A double click makes one object: every create action, posted twice at once with the
same form, makes one object, and both answers are what a user expects (the same
redirect, never an error page).

Against PostgreSQL (CI) the two POSTs run at the same moment from two threads, each
with its own database connection. SQLite admits one writer at a time, so locally the
second POST follows the first: the token is still the only thing that stops it.
"""

from __future__ import annotations

import copy
import re
import threading
from base64 import b32decode
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftercare.actor import Actor, Channel
from aftercare.idempotency import submissions_forget
from aftercare.models import AuditEvent, Membership, Role, User
from cases.models import (
    CalendarFeed,
    ConflictCheck,
    Deadline,
    DocumentDraft,
    Jurisdiction,
    Matter,
    MatterNote,
    Party,
    TimeEntry,
)
from survivors.models import (
    Communication,
    Consent,
    Engagement,
    Purpose,
    Referral,
    ServiceGoal,
    Survivor,
)
from tests.conftest import CI, sign_in
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    make_matter,
    make_survivor,
)
from tests.factories import make_volunteer as volunteer_of
from volunteers.models import (
    Assignment,
    BarAdmission,
    CheckIn,
    Credential,
    Interest,
    Invitation,
    Opportunity,
    Training,
)

pytestmark = pytest.mark.django_db(transaction=True)

FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form>", re.S)
ACTION = re.compile(r'action="([^"]*)"')
TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')


@dataclass
class Create:
    """One create form: who sends it, from which page, to where, and what it makes."""

    member: Membership | None
    page: str
    post: str
    data: dict
    made: Callable[[], int]
    sudo: bool = False
    nth: int = 0
    containing: str = ""
    answers_with_page: bool = False
    second_factor: bool = True
    # What the form needs that only its page knows (a secret shown once).
    data_from_page: Callable[[str], dict] | None = None
    # How much one submission adds to `made()`.
    one: int = 1


class World:
    """Harbor (legal aid) and Safe Haven (partner NGO), made only as far as a case needs."""

    @cached_property
    def harbor(self):
        return OrganizationFactory(name="Harbor Double Legal Aid")

    @cached_property
    def safehaven(self):
        from aftercare.models import Organization

        return OrganizationFactory(
            name="Safe Haven Double Shelter", kind=Organization.Kind.PARTNER_NGO
        )

    def member(self, role, organization=None):
        return MembershipFactory(organization=organization or self.harbor, role=role)

    @cached_property
    def coordinator(self):
        return self.member(Role.COORDINATOR)

    @cached_property
    def attorney(self):
        return self.member(Role.ATTORNEY)

    @cached_property
    def intake_worker(self):
        return self.member(Role.INTAKE, self.safehaven)

    @cached_property
    def adult(self) -> Survivor:
        return make_survivor(
            self.safehaven,
            by=self.intake_worker.user,
            legal_name="Double Click Person",
            date_of_birth=date(1990, 4, 1),
            needs=["legal", "shelter"],
        )

    @cached_property
    def matter(self) -> Matter:
        client = make_survivor(self.harbor, legal_name="Matter Double Client")
        return make_matter(self.harbor, lead=self.attorney.user, client=client)

    @cached_property
    def volunteer(self):
        return volunteer_of(
            self.harbor, languages=[{"language": "Spanish", "proficiency": "fluent"}]
        )


def intake(w: World) -> Create:
    url = reverse("survivors:intake")
    data = {"legal_name": "Ana Twiceclicked", "date_of_birth": "1991-02-03"}
    drafts = Survivor.objects.filter(status=Survivor.Status.DRAFT)
    return Create(w.intake_worker, url, url, data, drafts.count)


def intake_finish(w: World) -> Create:
    sign_in(Client(), w.intake_worker).post(
        reverse("survivors:intake"), {"legal_name": "Finished Twice", "date_of_birth": "1992-05-06"}
    )
    draft = Survivor.objects.get(status=Survivor.Status.DRAFT)
    page = reverse("survivors:intake_review", args=[draft.pk])
    post = reverse("survivors:intake_finish", args=[draft.pk])
    finished = AuditEvent.objects.filter(action="survivors.intake.finished")
    return Create(w.intake_worker, page, post, {}, finished.count)


def authenticator(w: World) -> Create:
    """A new member connects an authenticator: a code is good once, and so is the form."""
    member = MembershipFactory(
        organization=w.harbor, role=Role.ATTORNEY, user=UserFactory(authenticator=False)
    )
    url = reverse("account:setup")

    def code_for(page: str) -> dict:
        secret = re.search(r'<code class="secret">([A-Z2-7=]+)</code>', page).group(1)
        return {"code": f"{totp(b32decode(secret)):06d}"}

    confirmed = TOTPDevice.objects.filter(user=member.user, confirmed=True)
    return Create(
        member, url, url, {}, confirmed.count, second_factor=False, data_from_page=code_for
    )


def consent(w: World) -> Create:
    url = reverse("survivors:consents", args=[w.adult.pk])
    data = {
        "recipient": w.harbor.pk,
        "purpose": Purpose.LEGAL_REPRESENTATION,
        "categories": ["identity"],
        "method": Consent.Method.WRITTEN,
        "given_on": timezone.localdate().isoformat(),
    }
    return Create(w.intake_worker, url, url, data, Consent.objects.count)


def referral(w: World) -> Create:
    Consent.objects.create(
        survivor=w.adult,
        recipient=w.harbor,
        purpose=Purpose.LEGAL_REPRESENTATION,
        categories=["identity", "needs"],
        method=Consent.Method.WRITTEN,
        given_on=timezone.localdate(),
        recorded_by=w.intake_worker.user,
    )
    url = reverse("survivors:refer", args=[w.adult.pk])
    data = {
        "to_organization": w.harbor.pk,
        "purpose": Purpose.LEGAL_REPRESENTATION,
        "need": "legal",
        "note": "Needs a T visa consultation",
    }
    return Create(w.intake_worker, url, url, data, Referral.objects.count)


def service_goal(w: World) -> Create:
    url = reverse("survivors:services", args=[w.adult.pk])
    data = {"need": "shelter", "description": "A bed for a month"}
    return Create(w.intake_worker, url, url, data, ServiceGoal.objects.count)


def engagement(w: World) -> Create:
    client = make_survivor(w.harbor, legal_name="Walk In Double", date_of_birth=date(1985, 1, 1))
    url = reverse("survivors:engagement", args=[client.pk])
    data = {
        "engaged_on": timezone.localdate().isoformat(),
        "scope": "T visa application",
        "legal_name": "Walk In Double",
    }
    return Create(w.coordinator, url, url, data, Engagement.objects.count)


def matter_page(w: World) -> str:
    return reverse("cases:detail", args=[w.matter.pk])


def note(w: World) -> Create:
    post = reverse("cases:note_add", args=[w.matter.pk])
    data = {"body": "Called the client; she will bring her passport copy."}
    return Create(w.attorney, matter_page(w), post, data, MatterNote.objects.count)


def time_entry(w: World) -> Create:
    post = reverse("cases:time_add", args=[w.matter.pk])
    data = {"date": timezone.localdate().isoformat(), "minutes": 45, "activity": "drafting"}
    return Create(w.attorney, matter_page(w), post, data, TimeEntry.objects.count)


def party(w: World) -> Create:
    post = reverse("cases:party_add", args=[w.matter.pk])
    data = {"role": Party.Role.EMPLOYER, "name": "Doubleday Farms"}
    return Create(w.attorney, matter_page(w), post, data, Party.objects.count)


def deadline_by_hand(w: World) -> Create:
    post = reverse("cases:deadline_new", args=[w.matter.pk])
    data = {
        "kind": "hearing",
        "title": "Master calendar hearing",
        "due_date": (timezone.localdate() + timedelta(days=40)).isoformat(),
        "due_time": "09:30",
        "time_zone": "America/New_York",
        "location": "Courtroom 2",
    }

    # Reminders are unique per deadline: one deadline, one set of reminders.
    return Create(w.attorney, matter_page(w), post, data, Deadline.objects.count, nth=1)


def deadline_computed(w: World) -> Create:
    post = reverse("cases:deadline_new", args=[w.matter.pk])
    rule = w.matter.organization.deadline_rules.get(code="rfe-response")
    data = {"rule": rule.pk, "trigger_date": timezone.localdate().isoformat()}
    return Create(w.attorney, matter_page(w), post, data, Deadline.objects.count, nth=0)


def conflict_check(w: World) -> Create:
    client = make_survivor(w.harbor, legal_name="Checked Double Client")
    url = reverse("cases:conflict_new", args=[client.pk])
    data = {
        "party-TOTAL_FORMS": "3",
        "party-INITIAL_FORMS": "0",
        "party-MIN_NUM_FORMS": "0",
        "party-MAX_NUM_FORMS": "10",
        "party-0-role": "trafficker",
        "party-0-name": "Viktor Doublecheck",
    }
    return Create(w.coordinator, url, url, data, ConflictCheck.objects.count)


def matter_from_check(w: World) -> Create:
    client = make_survivor(w.harbor, legal_name="Opened Double Client")
    check = ConflictCheck.objects.create(
        organization=w.harbor,
        client=client,
        requested_by=w.coordinator.user,
        decision=ConflictCheck.Decision.CLEARED,
        decided_by=w.coordinator.user,
        decided_at=timezone.now(),
    )
    url = reverse("cases:conflict", args=[check.pk])
    data = {"sub_kind": "t_visa", "lead_attorney": w.attorney.user.pk}
    return Create(w.coordinator, url, url, data, Matter.objects.filter(conflict_check=check).count)


def document_draft(w: World) -> Create:
    url = reverse("cases:documents", args=[w.matter.pk])
    from cases.documents.registry import templates_for

    data = {"template": templates_for(w.matter.sub_kind)[0].code}
    return Create(w.attorney, url, url, data, DocumentDraft.objects.count)


def document_generate(w: World) -> Create:
    from cases.documents.registry import templates_for

    sign_in(Client(), w.attorney).post(
        reverse("cases:documents", args=[w.matter.pk]),
        {"template": templates_for(w.matter.sub_kind)[0].code},
    )
    url = reverse("cases:document_draft", args=[DocumentDraft.objects.get().pk])
    data = {"court": "Family Court", "paragraphs": "I was promised work.", "generate": "1"}
    requested = AuditEvent.objects.filter(action="cases.document.generation_requested")
    return Create(w.attorney, url, url, data, requested.count)


def calendar_feed(w: World) -> Create:
    post = reverse("cases:feed_manage")
    return Create(
        w.attorney,
        reverse("cases:calendar"),
        post,
        {"action": "issue"},
        CalendarFeed.objects.count,
        sudo=True,
        answers_with_page=True,
    )


def jurisdiction(w: World) -> Create:
    url = reverse("cases:jurisdictions")
    data = {"name": "Kings County Family Court", "type": "court", "holiday_country": "US"}
    admin = w.member(Role.ORG_ADMIN)
    return Create(admin, url, url, data, Jurisdiction.objects.count)


def invitation(w: World) -> Create:
    url = reverse("volunteers:invitations")
    data = {"email": "new.volunteer@test.example", "role": Role.ATTORNEY}

    def made() -> int:  # working links and emails: a second email would carry a second link
        return Invitation.objects.usable().count() + len(mail.outbox)

    return Create(w.coordinator, url, url, data, made, one=2)


def training(w: World) -> Create:
    url = reverse("volunteers:trainings")
    data = {"name": "Trauma-informed interviewing", "valid_for_months": 12}
    return Create(w.coordinator, url, url, data, Training.objects.count)


def assignment(w: World) -> Create:
    volunteer = w.volunteer
    page = reverse("volunteers:staff", args=[w.matter.pk])
    post = reverse("volunteers:assign", args=[w.matter.pk])
    data = {"user": volunteer.user_id}
    containing = f'name="user" value="{volunteer.user_id}"'
    return Create(w.coordinator, page, post, data, Assignment.objects.count, containing=containing)


def opportunity(w: World) -> Create:
    page = reverse("volunteers:staff", args=[w.matter.pk])
    post = reverse("volunteers:opportunity_post", args=[w.matter.pk])
    data = {"role": Role.ATTORNEY, "language": "", "description": "Help with a T visa"}
    return Create(w.coordinator, page, post, data, Opportunity.objects.count)


def interest(w: World) -> Create:
    volunteer = w.volunteer
    sign_in(Client(), w.coordinator).post(
        reverse("volunteers:opportunity_post", args=[w.matter.pk]),
        {"role": Role.ATTORNEY, "language": "", "description": "Help with a T visa"},
    )
    post = reverse("volunteers:interest_express", args=[Opportunity.objects.get().pk])
    page = reverse("volunteers:opportunities")
    return Create(volunteer, page, post, {}, Interest.objects.count)


def admission(w: World) -> Create:
    page, post = reverse("volunteers:me"), reverse("volunteers:admission_add")
    data = {"jurisdiction": "NJ", "number": "NJ-123456", "status": "active"}
    return Create(w.volunteer, page, post, data, BarAdmission.objects.count)


def credential(w: World) -> Create:
    volunteer = w.volunteer
    page = reverse("volunteers:me")
    post = reverse("volunteers:credential_add", args=[volunteer.user.volunteer_profile.pk])
    data = {
        "kind": "trauma",
        "completed_on": (timezone.localdate() - timedelta(days=30)).isoformat(),
    }
    return Create(volunteer, page, post, data, Credential.objects.count)


def checkin(w: World) -> Create:
    url = reverse("volunteers:wellbeing")
    data = {"feeling": 3, "note": "A heavy week."}
    return Create(w.volunteer, url, url, data, CheckIn.objects.count)


def pause(w: World) -> Create:
    """Not a create, but its answer counts what it did: a second one would say "0 matters"."""
    page, post = reverse("volunteers:me"), reverse("volunteers:pause")
    data = {"until": (timezone.localdate() + timedelta(days=30)).isoformat()}
    paused = AuditEvent.objects.filter(action="volunteers.profile.paused")
    return Create(w.volunteer, page, post, data, paused.count)


def joining(w: World) -> Create:
    from volunteers.services.onboarding import invitation_send

    actor = Actor.in_organization(
        user=w.coordinator.user, organization_id=w.harbor.pk, channel=Channel.WEB
    )
    invitation_send(actor=actor, email="joiner@test.example", role=Role.PARALEGAL)
    url = re.search(r"/volunteers/join/[^/\s]+/", mail.outbox[-1].body).group(0)
    data = {
        "full_name": "Jo Iner",
        "password": "a long enough passphrase 77",
        "password_again": "a long enough passphrase 77",
    }
    return Create(None, url, url, data, User.objects.filter(email="joiner@test.example").count)


def communication(w: World) -> Create:
    """A contact the client made, logged on her communications log."""
    url = reverse("survivors:communications", args=[w.adult.pk])
    data = {
        "kind": "call",
        "direction": "inbound",
        "channel": "phone",
        "occurred_on": timezone.localdate().isoformat(),
        "occurred_time": "00:00",
        "summary": "She called to confirm.\r\nSee you Monday.",
    }
    return Create(w.intake_worker, url, url, data, Communication.objects.count)


def task(w: World) -> Create:
    from cases.models import Task

    post = reverse("cases:task_add", args=[w.matter.pk])
    data = {
        "title": "Ask for the passport copy",
        "due_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "assignee": w.attorney.user_id,
    }
    return Create(w.attorney, matter_page(w), post, data, Task.objects.count)


def _platform_admin():
    from types import SimpleNamespace

    return SimpleNamespace(user=UserFactory(is_platform_admin=True), pk=None)


def organization(w: World) -> Create:
    from aftercare.models import Organization

    url = reverse("platform:organization_new")
    data = {"name": "Lakeside Double", "kind": "legal_aid", "country": "US"}
    made = Organization.objects.filter(name="Lakeside Double").count
    return Create(_platform_admin(), url, url, data, made, sudo=True)


def admin_invitation(w: World) -> Create:
    from aftercare.models import StaffInvitation

    page = reverse("platform:organization", args=[w.harbor.pk])
    post = reverse("platform:admin_invite", args=[w.harbor.pk])

    def made() -> int:  # working links and emails: a second email would carry a second link
        return StaffInvitation.objects.usable().count() + len(mail.outbox)

    data = {"email": "first.admin@test.example"}
    return Create(_platform_admin(), page, post, data, made, sudo=True, one=2)


def staff_invitation(w: World) -> Create:
    from aftercare.models import StaffInvitation

    url = reverse("staff_invitations")
    data = {"email": "new.staff@test.example", "role": Role.COORDINATOR}

    def made() -> int:
        return StaffInvitation.objects.usable().count() + len(mail.outbox)

    return Create(w.member(Role.ORG_ADMIN), url, url, data, made, sudo=True, one=2)


def staff_joining(w: World) -> Create:
    from aftercare.staff import staff_invitation_send

    admin = w.member(Role.ORG_ADMIN)
    actor = Actor.in_organization(user=admin.user, organization_id=w.harbor.pk, channel=Channel.WEB)
    staff_invitation_send(
        actor=actor, organization=w.harbor, email="staff.joiner@test.example", role=Role.ATTORNEY
    )
    url = re.search(r"/account/join/[^/\s]+/", mail.outbox[-1].body).group(0)
    data = {
        "full_name": "Sam Joiner",
        "password": "a long enough passphrase 78",
        "password_again": "a long enough passphrase 78",
    }
    made = User.objects.filter(email="staff.joiner@test.example").count
    return Create(None, url, url, data, made)


def webhook_endpoint(w: World) -> Create:
    from webhooks.models import Endpoint

    url = reverse("webhooks:endpoint_add")
    data = {"url": "https://93.184.216.34/hooks", "event_types": ["referral.received"]}
    return Create(w.member(Role.ORG_ADMIN), url, url, data, Endpoint.objects.count, sudo=True)


CREATES = [
    intake,
    intake_finish,
    authenticator,
    consent,
    referral,
    service_goal,
    engagement,
    note,
    time_entry,
    party,
    deadline_by_hand,
    deadline_computed,
    conflict_check,
    matter_from_check,
    document_draft,
    document_generate,
    calendar_feed,
    jurisdiction,
    invitation,
    training,
    assignment,
    opportunity,
    interest,
    admission,
    credential,
    checkin,
    pause,
    joining,
    communication,
    task,
    organization,
    admin_invitation,
    staff_invitation,
    staff_joining,
    webhook_endpoint,
]


def client_of(create: Create) -> Client:
    client = Client()
    if create.member is None:
        return client
    return sign_in(client, create.member, sudo=create.sudo, second_factor=create.second_factor)


def same_browser(client: Client) -> Client:
    """A second request from the same browser: the same session and cookies."""
    twin = Client()
    twin.cookies = copy.deepcopy(client.cookies)
    return twin


def token_in(html: str, create: Create) -> str:
    """The token of the form that posts to `create.post`, as the page rendered it."""
    tokens = []
    for form in FORM.finditer(html):
        action = ACTION.search(form["attrs"])
        if (action.group(1) if action else create.page) != create.post:
            continue
        if create.containing not in form["body"]:
            continue
        tokens += TOKEN.findall(form["body"])
    assert tokens, f"the form posting to {create.post} carries no submission token"
    return tokens[create.nth]


def post_at_once(url: str, sends: list[tuple[Client, dict]]) -> list:
    """Each client posts its data to `url`, all at the same moment, each on its own
    database connection; the answers in order (or the error a thread met)."""
    if connection.vendor == "sqlite":
        if CI:
            pytest.fail("CI runs the double submits at once, on PostgreSQL", pytrace=False)
        # One writer at a time: the second click arrives after the first was answered.
        return [client.post(url, data) for client, data in sends]
    start = threading.Barrier(len(sends))
    answers: list = [None] * len(sends)

    def send(i: int) -> None:
        client, data = sends[i]
        try:
            start.wait(timeout=10)
            answers[i] = client.post(url, data)
        except BaseException as error:  # shown by the assertion below, not lost in a thread
            answers[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(sends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for answer in answers:
        assert not isinstance(answer, BaseException), answer
    return answers


@pytest.mark.parametrize("make", CREATES, ids=lambda make: make.__name__)
def test_a_create_posted_twice_at_once_makes_one_object(make):
    create = make(World())
    before = create.made()
    first = client_of(create)
    page = first.get(create.page)
    assert page.status_code == 200
    second = same_browser(first)
    data = {**create.data, "submission_token": token_in(page.text, create)}
    if create.data_from_page:
        data |= create.data_from_page(page.text)

    answers = post_at_once(create.post, [(first, data), (second, data)])

    statuses = [a.status_code for a in answers]
    if create.answers_with_page:
        assert statuses == [200, 200]
    else:
        assert statuses == [302, 302], [a.content[:2000] for a in answers if a.status_code != 302]
        assert answers[0]["Location"] == answers[1]["Location"]
    assert create.made() - before == create.one, "a double submit made two"


def two_tabs(create: Create) -> list:
    """The same form open in two tabs (two tokens), sent from both at once."""
    clients = [client_of(create), client_of(create)]
    return post_at_once(
        create.post,
        [
            (c, {**create.data, "submission_token": token_in(c.get(create.page).text, create)})
            for c in clients
        ],
    )


def test_one_check_opened_from_two_tabs_makes_one_matter_of_that_type():
    world = World()
    create = matter_from_check(world)

    answers = two_tabs(create)

    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert create.made() == 1


def test_one_address_invited_from_two_tabs_has_one_working_link():
    create = invitation(World())

    answers = two_tabs(create)

    assert [a.status_code for a in answers] == [302, 302]
    assert Invitation.objects.usable().count() == 1


def test_a_form_sent_again_days_later_is_a_new_decision(time_machine):
    world = World()
    create = note(world)
    client = client_of(create)
    token = token_in(client.get(create.page).text, create)
    client.post(create.post, {**create.data, "submission_token": token})

    time_machine.move_to(timezone.now() + timedelta(days=3))
    submissions_forget()
    signed_in_again = client_of(create)  # the old session has expired meanwhile
    signed_in_again.post(create.post, {**create.data, "submission_token": token})

    assert create.made() == 2


def test_one_address_invited_to_the_staff_from_two_tabs_gets_one_email_and_link():
    from aftercare.models import StaffInvitation

    create = staff_invitation(World())

    answers = two_tabs(create)

    assert [a.status_code for a in answers] == [302, 302]
    assert StaffInvitation.objects.usable().count() == 1
    assert len(mail.outbox) == 1
