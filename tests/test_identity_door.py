"""Every path by which a survivor's identity could reach a legal organization, in every
state of knowing her: what Harbor (a legal aid organization) sees of a person Safe Haven
(a partner NGO) recorded and shared with it.

The five states, from ../shared/DOMAIN.md ("Two ways of knowing a person"):
- consent_with_identity: the consent covers identity and needs;
- consent_without_identity: it covers needs only;
- revoked / expired: it covered identity, and has ended;
- engaged_then_revoked: Harbor recorded the engagement (its own client file, where the
  client gave a fuller name and another birth date), then the NGO's consent was revoked.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from aftercare.access import access_grant
from aftercare.models import AuditEvent, Notification
from cases.models import Deadline, DeadlineRule, DocumentDraft, DocumentVersion
from cases.services.calendar_feed import calendar_feed_issue
from cases.services.deadlines import deadline_add
from cases.services.documents import document_render_run
from survivors.models import Consent, Purpose, Referral, Survivor
from tests.actors import actor_of, lead_actor
from tests.factories import make_matter, make_survivor
from volunteers.matching import client_for_staffing

pytestmark = pytest.mark.django_db

NGO_NAME = "Almaz Tesfay Gebremariam"
FILE_NAME = "Almaz T. Gebremariam-Kidane"  # what the client told her lawyers
TODAY = date(2026, 12, 3)
NGO_BIRTH = date(2011, 5, 14)
FILE_BIRTH = date(2010, 9, 2)


@dataclass(frozen=True)
class Expected:
    survivor_page: int
    name_on_survivor_page: str | None
    name_in_preview: str | None
    name_in_new_pdf: str | None  # None: generation is refused with a reason
    old_version_download: int | None  # None: no named version was ever made
    deadline_from_birth: date | None  # the SIJS age-out date, None: refused with a reason
    staffing_languages: frozenset[str]


SCENARIOS = {
    "consent_with_identity": Expected(
        200, NGO_NAME, NGO_NAME, NGO_NAME, 200, date(2032, 5, 13), frozenset({"tigrinya"})
    ),
    "consent_without_identity": Expected(200, None, None, None, None, None, frozenset()),
    "revoked": Expected(404, None, None, None, 403, None, frozenset()),
    "expired": Expected(404, None, None, None, 403, None, frozenset()),
    "engaged_then_revoked": Expected(
        200, FILE_NAME, FILE_NAME, FILE_NAME, 200, date(2031, 8, 29), frozenset({"amharic"})
    ),
}


@pytest.fixture
def clock():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 12, 3, 10, 0))) as t:
        yield t


def pdf_text(version: DocumentVersion) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(version.pdf)).pages)


class World:
    """Safe Haven refers a minor to Harbor, which opens an SIJS matter for her."""

    def __init__(self, f, scenario: str):
        self.f, self.scenario = f, scenario
        self.ngo = f["client_for"](f["intake_worker"])
        self.attorney = f["client_for"](f["attorney"])
        self.coordinator = f["client_for"](f["coordinator"])
        self.survivor = make_survivor(
            f["safehaven"],
            by=f["intake_worker"].user,
            legal_name=NGO_NAME,
            date_of_birth=NGO_BIRTH,
            languages="Tigrinya (native)",
            trafficking_kinds=["labor"],
        )
        identity = scenario != "consent_without_identity"
        self.consent = Consent.objects.create(
            survivor=self.survivor,
            recipient=f["harbor"],
            purpose=Purpose.LEGAL_REPRESENTATION,
            categories=["identity", "needs"] if identity else ["needs"],
            method=Consent.Method.WRITTEN,
            given_on=TODAY - timedelta(days=10),
            expires_on=TODAY + timedelta(days=20) if scenario == "expired" else None,
            minor_assent=True,
            guardian_consent_by="County child welfare agency",
            recorded_by=f["intake_worker"].user,
        )
        response = self.ngo.post(
            reverse("survivors:refer", args=[self.survivor.pk]),
            {"to_organization": f["harbor"].pk, "purpose": Purpose.LEGAL_REPRESENTATION},
        )
        assert response.status_code == 302, response.content[:2000]
        referral = Referral.objects.get(survivor=self.survivor)
        self.coordinator.post(
            reverse("survivors:referral", args=[referral.pk]), {"status": "accepted"}
        )
        self.matter = make_matter(
            f["harbor"], client=self.survivor, lead=f["attorney"].user, sub_kind="sijs"
        )
        self.attorney.post(
            reverse("cases:documents", args=[self.matter.pk]), {"template": "survivor_declaration"}
        )
        self.draft = DocumentDraft.objects.get(matter=self.matter)
        self.old_version = self.generate() if identity else None

    def generate(self) -> DocumentVersion | None:
        before = DocumentVersion.objects.count()
        response = self.attorney.post(
            reverse("cases:document_draft", args=[self.draft.pk]),
            {"paragraphs": "I was promised work.\r\n\r\nMy passport was taken.", "generate": "1"},
            follow=True,
        )
        self.generate_page = response.content.decode()
        # What the worker does with the task (a real worker renders it in CI's worker tests).
        document_render_run(draft_id=self.draft.pk, user_id=self.f["attorney"].user.pk)
        if DocumentVersion.objects.count() == before:
            return None
        return DocumentVersion.objects.latest("id")

    def change(self, clock) -> None:
        if self.scenario == "engaged_then_revoked":
            response = self.coordinator.post(
                reverse("survivors:engagement", args=[self.survivor.pk]),
                {
                    "engaged_on": "2026-12-01",
                    "scope": "Special Immigrant Juvenile Status",
                    "legal_name": FILE_NAME,
                    "date_of_birth": FILE_BIRTH.isoformat(),
                    "languages": "Amharic (native)",
                },
            )
            assert response.status_code == 302, response.content.decode()[-3000:]
        if self.scenario in ("revoked", "engaged_then_revoked"):
            response = self.ngo.post(
                reverse("survivors:consent_revoke", args=[self.consent.pk]),
                {"reason": "The survivor asked"},
            )
            assert response.status_code == 302
        if self.scenario == "expired":
            clock.move_to(timezone.make_aware(timezone.datetime(2027, 1, 15, 10, 0)))
            # Six weeks later everyone signs in again.
            self.attorney = self.f["client_for"](self.f["attorney"])
            self.coordinator = self.f["client_for"](self.f["coordinator"])


@pytest.fixture
def fixtures(
    harbor, safehaven, intake_worker, coordinator, attorney, client_for
) -> dict:  # every persona the world needs, by name
    return {
        "harbor": harbor,
        "safehaven": safehaven,
        "intake_worker": intake_worker,
        "coordinator": coordinator,
        "attorney": attorney,
        "client_for": client_for,
    }


@pytest.fixture(params=list(SCENARIOS))
def world(request, fixtures, clock):
    world = World(fixtures, request.param)
    world.change(clock)
    return world


def test_the_survivor_page_shows_what_the_basis_allows(world):
    expected = SCENARIOS[world.scenario]
    response = world.attorney.get(reverse("survivors:detail", args=[world.survivor.pk]))
    assert response.status_code == expected.survivor_page
    page = response.content.decode()
    for name in (NGO_NAME, FILE_NAME):
        assert (name in page) == (name == expected.name_on_survivor_page), name


def test_the_matter_page_never_names_the_client_and_says_how_she_is_known(world):
    response = world.attorney.get(reverse("cases:detail", args=[world.matter.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert NGO_NAME not in page and FILE_NAME not in page
    basis = {
        "consent_with_identity": "consent, which covers",
        "consent_without_identity": "consent, which covers",
        "revoked": "no current consent or engagement",
        "expired": "no current consent or engagement",
        "engaged_then_revoked": "Your client file",
    }[world.scenario]
    assert basis in page


def test_the_preview_prints_only_the_name_the_basis_allows_and_says_why_not(world):
    expected = SCENARIOS[world.scenario]
    response = world.attorney.get(reverse("cases:document_preview", args=[world.draft.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for name in (NGO_NAME, FILE_NAME):
        assert (name in page) == (name == expected.name_in_preview), name
    assert ("name is not shown" in page) == (expected.name_in_preview is None)


def test_generation_checks_the_basis_at_that_moment(world):
    expected = SCENARIOS[world.scenario]
    version = world.generate()
    if expected.name_in_new_pdf is None:
        assert version is None
        assert "cannot be printed" in world.generate_page.replace("&#x27;", "'")
        assert DocumentDraft.objects.get(pk=world.draft.pk).status == "editing"
        return
    text = pdf_text(version)
    assert expected.name_in_new_pdf in text
    for other in {NGO_NAME, FILE_NAME} - {expected.name_in_new_pdf}:
        assert other not in text
    assert version.file_name() == f"{world.matter.number}-declaration-v{version.number}.pdf"


def test_a_named_version_downloads_only_while_the_name_may_be_known(world):
    expected = SCENARIOS[world.scenario]
    if expected.old_version_download is None:
        assert world.old_version is None
        return
    response = world.attorney.get(reverse("cases:document_download", args=[world.old_version.pk]))
    assert response.status_code == expected.old_version_download
    if response.status_code == 200:
        assert response.content == world.old_version.pdf
    else:
        page = response.content.decode()
        assert NGO_NAME not in page and "may no longer know it" in page
        assert b"%PDF" not in response.content


def test_deadlines_count_from_the_birth_date_only_when_it_may_be_known(world):
    expected = SCENARIOS[world.scenario]
    rule = DeadlineRule.objects.get(organization=world.matter.organization, code="sijs-age-out")
    response = world.attorney.post(
        reverse("cases:deadline_new", args=[world.matter.pk]), {"rule": rule.pk}
    )
    deadline = Deadline.objects.filter(matter=world.matter, rule=rule).first()
    if expected.deadline_from_birth is None:
        assert deadline is None
        assert response.status_code == 200
        page = response.content.decode().lower()
        assert "not shared with your organization" in page or (
            "no current consent or engagement" in page
        )
    else:
        assert deadline is not None and deadline.due_date == expected.deadline_from_birth


def test_staffing_knows_the_client_only_as_the_basis_allows(world):
    expected = SCENARIOS[world.scenario]
    client = client_for_staffing(actor=actor_of(world.f["coordinator"]), matter=world.matter)
    assert client.languages == expected.staffing_languages
    # She is a minor either way; what differs is whether staffing knows it or assumes it,
    # and the coordinator is told which.
    assert client.minor_or_unknown
    identity_unknown = [
        reason
        for reason in client.unknown
        if "Identity" in reason or "no current consent or engagement" in reason
    ]
    assert bool(identity_unknown) == (not expected.staffing_languages), client.unknown


def test_every_read_through_the_door_is_audited_without_personal_data(world):
    world.attorney.get(reverse("cases:document_preview", args=[world.draft.pk]))
    events = AuditEvent.objects.filter(
        action__in=["survivors.identity.read", "aftercare.access.denied"],
        object_type="survivors.survivor",
        object_id=str(world.survivor.pk),
    )
    assert events.exists()
    for event in events:
        assert NGO_NAME not in str(event.payload) and FILE_NAME not in str(event.payload)
    latest = events.latest("id")
    assert latest.payload["use"] == "document"


def test_notifications_and_the_calendar_feed_never_carry_a_name(world):
    request = RequestFactory().post("/")
    request.user, request.membership = world.f["attorney"].user, world.f["attorney"]
    token = calendar_feed_issue(actor=actor_of(request.membership))
    deadline_add(
        actor=lead_actor(world.matter),
        matter=world.matter,
        data={"kind": "hearing", "title": "Hearing", "due_date": date(2026, 12, 20)},
    )
    body = world.attorney.get(reverse("cases:feed", args=[token])).content.decode()
    assert world.matter.number in body, "the feed has the hearing, so the check means something"
    messages = " ".join(Notification.objects.values_list("message", flat=True))
    for name in (NGO_NAME, FILE_NAME, "Almaz", "Gebremariam"):
        assert name not in body and name not in messages


def test_a_matter_cannot_be_opened_from_an_old_check_once_the_consent_ended(
    fixtures, clock, client_for
):
    world = World(fixtures, "revoked")
    check = world.matter.conflict_check
    world.change(clock)
    response = world.coordinator.post(
        reverse("cases:conflict", args=[check.pk]),
        {"sub_kind": "t_visa", "lead_attorney": world.f["attorney"].user.pk},
    )
    assert response.status_code == 200
    assert "no longer has a current consent" in response.content.decode()
    assert world.survivor.matters.count() == 1


def test_an_engaged_client_file_survives_the_partners_erasure(fixtures, clock):
    from survivors.services.retention import survivor_erase

    world = World(fixtures, "engaged_then_revoked")
    world.change(clock)
    survivor_erase(
        actor=actor_of(world.f["intake_worker"]),
        survivor=Survivor.objects.get(pk=world.survivor.pk),
    )
    response = world.attorney.get(reverse("survivors:detail", args=[world.survivor.pk]))
    assert response.status_code == 200 and FILE_NAME in response.content.decode()
    version = world.generate()
    assert version is not None and FILE_NAME in pdf_text(version)


def test_a_volunteer_on_the_team_reads_through_the_door_too(fixtures, clock):
    """The door checks the person as well as the organization: a Harbor member who is not
    on the matter's team cannot have the client's identity read for them."""
    from tests.factories import MembershipFactory

    world = World(fixtures, "consent_with_identity")
    outsider = MembershipFactory(organization=fixtures["harbor"], role="paralegal")
    access_grant(user=outsider.user, obj=world.matter, actions=("view", "change"))
    client = fixtures["client_for"](outsider)
    page = client.get(reverse("cases:document_preview", args=[world.draft.pk])).content.decode()
    assert NGO_NAME not in page and "name is not shown" in page


def test_the_demo_shows_both_ways_of_knowing_a_person():
    """The demo has a client shared without identity and one who engaged Harbor, and the
    pages say so to Harbor's attorney."""
    import io

    from django.core.management import call_command

    from aftercare.models import Membership
    from cases.models import Matter
    from survivors.identity import Basis, knowledge_basis
    from survivors.models import Engagement

    call_command("seed_demo", stdout=io.StringIO())
    harbor = Membership.objects.get(user__email="attorney@harbor.example").organization
    bases = {
        matter.client_id: knowledge_basis(organization_id=harbor.pk, survivor=matter.client)
        for matter in Matter.objects.filter(organization=harbor).select_related("client")
    }
    assert any(b == Basis.CONSENT and "identity" not in c for b, c in bases.values())
    engaged = Engagement.objects.get(organization=harbor)
    assert engaged.legal_name and engaged.letter_signed
    assert bases[engaged.survivor_id][0] == Basis.ENGAGEMENT


@pytest.mark.parametrize(
    ("language", "says"),
    [("en", "The client's name is not shown."), ("es", "No se muestra el nombre")],
)
def test_the_preview_says_why_the_name_is_missing_in_the_readers_language(
    fixtures, clock, language, says
):
    world = World(fixtures, "consent_without_identity")
    response = world.attorney.get(
        reverse("cases:document_preview", args=[world.draft.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    page = response.content.decode().replace("&#x27;", "'")
    assert says in page and NGO_NAME not in page


def test_exports_never_carry_the_name(world):
    """The pro bono hours export names no client; the survivor's sharing record is the
    recording organization's alone. A volunteer logs hours on the matter first, so the
    export has a row that could carry a name."""
    from cases.services.work import time_log
    from tests.factories import make_volunteer

    volunteer = make_volunteer(world.f["harbor"])
    coordinator = world.f["client_for"](world.f["coordinator"], sudo=True)
    assigned = coordinator.post(
        reverse("volunteers:assign", args=[world.matter.pk]), {"user": volunteer.user_id}
    )
    assert assigned.status_code == 302
    time_log(
        actor=actor_of(volunteer), matter=world.matter, date=TODAY, minutes=90, activity="meeting"
    )
    export = coordinator.get(
        reverse("volunteers:hours_export"), {"start": "2026-01-01", "end": "2027-12-31"}
    )
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    text = export.content.decode()
    assert volunteer.user.email in text, "the row is there"
    for secret in (NGO_NAME, FILE_NAME, "Almaz", world.survivor.code):
        assert secret not in text
    share = coordinator.get(reverse("survivors:share_record", args=[world.survivor.pk]))
    # 403 where Harbor sees the person (it may not print the partner's record), else 404.
    sees = SCENARIOS[world.scenario].survivor_page == 200
    assert share.status_code == (403 if sees else 404)
    assert NGO_NAME not in share.content.decode()


def test_the_conflict_check_confirms_only_a_client_the_organization_may_name(world):
    """Checking a guessed name as an adverse party must not confirm a client whose name
    the consent never shared, or no longer shares."""
    newcomer = make_survivor(world.f["harbor"], legal_name="Walk In Newcomer")
    response = world.coordinator.post(
        reverse("cases:conflict_new", args=[newcomer.pk]),
        {
            "party-TOTAL_FORMS": "1",
            "party-INITIAL_FORMS": "0",
            "party-0-role": "trafficker",
            "party-0-name": NGO_NAME,
        },
        follow=True,
    )
    assert response.status_code == 200
    may_name = world.scenario in ("consent_with_identity", "engaged_then_revoked")
    assert (f"matches: client in {world.matter.number}" in response.text) == may_name
    if not may_name:
        assert "No matches were found." in response.text
