"""Every URL that takes an object id, against everyone who must not see or change the object.

Three tables, each with a test that fails when something new is not in it:

- OBJECT_URLS: every URL pattern with an object id. A member of another organization,
  a Harbor staff member with no grant on the object, the partner NGO's intake worker
  and a real Harbor volunteer (assigned to another matter) get 404 (never a hint that
  the object exists), change nothing, and leave a denied audit event.
- FORBIDDEN_CHANGES: every such URL that changes an object, with a persona who may see
  the object but not change it: 403, nothing changes, a denied audit event.
- IDS_IN_REQUESTS: every object id read from the query string or the POST body. A
  foreign id there is a 404 or a form error (or, where listed, ignored): never access,
  never a change, never a leak.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django import forms as django_forms
from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from aftercare.access import ACTING_MEMBERSHIP_KEY, access_grant
from aftercare.actor import Actor
from aftercare.audit import audit_record
from aftercare.models import AuditEvent, Notification, Organization, Role, StaffInvitation
from cases.models import (
    Deadline,
    DeadlineRule,
    DocumentDraft,
    DocumentVersion,
    Jurisdiction,
    MatterNote,
)
from cases.services.deadlines import deadline_rules_install
from survivors.models import (
    Consent,
    Engagement,
    Purpose,
    Referral,
    ServiceGoal,
    Survivor,
    SurvivorShare,
)
from survivors.services.sharing import survivor_access_refresh
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    make_matter,
    make_survivor,
    make_volunteer,
)
from volunteers.models import (
    Assignment,
    BarAdmission,
    Credential,
    Interest,
    Invitation,
    Opportunity,
    Training,
    VolunteerProfile,
)

pytestmark = pytest.mark.django_db

# URL patterns with parameters that are not object ids, and why.
NOT_OBJECT_URLS = {
    "account:password_reset_confirm": "a signed, expiring token in an email, not a record id",
    "cases:feed": "a secret calendar token; a wrong or revoked one is a 404 (tested)",
    "volunteers:join": "a secret invitation token; a wrong, used or expired one is a 404 (tested)",
    "account:join": "a secret staff invitation token; a wrong, used, withdrawn, resent or "
    "expired one is a 404 (tested in tests/aftercare/test_running_the_service.py)",
}
# The partner API answers keys, not sessions: its own matrix, with an outsider's, a partner
# NGO's, a revoked and an expired key per route, is tests/api/test_permission_matrix.py
# (which fails when an API route with an id is not in it).
NOT_OBJECT_URLS |= dict.fromkeys(
    (
        "api:referral",
        "api:referral_withdraw",
        "api:survivor",
        "api:matter",
        "api:matter_deadlines",
        "api:document_download",
    ),
    "an API route: keys, not sessions (tests/api/test_permission_matrix.py)",
)


@dataclass(frozen=True)
class IdCase:
    """A foreign id sent where a record is named, by a persona who may use the URL."""

    persona: str
    request: Callable[[dict], tuple[str, str, dict]]  # fixtures -> method, URL, data
    outcome: str  # "404", "form error" or "ignored"
    message: str = ""  # what the member reads, for a form error
    hidden: Callable[[dict], tuple[str, ...]] = lambda f: ()  # foreign text never shown


SELECT_VALID = "Select a valid choice"
# Lists that say what to choose instead (issue 17).
NOT_A_STAFF_ATTORNEY = "staff attorneys in the list."
NOT_A_LISTED_RULE = "Choose one of the rules in the list"

# Every object id read from the query string or the POST body (form fields included),
# and what a foreign one yields: another organization's record, sent by a Harbor member
# who may use the URL. Whatever the outcome, nothing changes and nothing of it is shown.
IDS_IN_REQUESTS: dict[tuple[str, str], IdCase] = {
    # The interpreter a document is filled from: one of the draft's own matter (issue 14).
    ("cases:document_draft", "interpreter"): IdCase(
        "attorney",
        lambda f: (
            "post",
            reverse("cases:document_draft", args=[_draft(f).pk]),
            {"paragraphs": "Facts.", "interpreter": _riverside_interpreter(f).pk},
        ),
        "form error",
        SELECT_VALID,
        hidden=lambda f: ("Riverside Interpreter Person",),
    ),
    # The parts of a filing packet: only what the member was offered is kept (issue 14).
    ("cases:packet", "part"): IdCase(
        "attorney",
        lambda f: (
            "post",
            reverse("cases:packet", args=[_empty_packet(f).pk]),
            {"part": f"evidence:{_riverside_evidence(f).pk}"},
        ),
        "ignored",
        hidden=lambda f: ("Riverside Client Person",),
    ),
    # The referral a conflict check answers (a link from the conflict queue).
    ("cases:conflict_new", "referral"): IdCase(
        "coordinator",
        lambda f: (
            "get",
            reverse("cases:conflict_new", args=[_survivor(f).pk])
            + f"?referral={_riverside_referral(f).pk}",
            {},
        ),
        "404",
        hidden=lambda f: ("Riverside referral note",),
    ),
    ("cases:conflict", "jurisdiction"): IdCase(
        "coordinator",
        lambda f: (
            "post",
            reverse("cases:conflict", args=[_matter(f).conflict_check_id]),
            {
                "sub_kind": "t_visa",
                "lead_attorney": f["attorney"].user_id,
                "jurisdiction": _riverside_matter(f).jurisdiction_id,
            },
        ),
        "form error",
        SELECT_VALID,
        hidden=lambda f: ("Riverside Test County Court",),
    ),
    ("cases:conflict", "lead_attorney"): IdCase(
        "coordinator",
        lambda f: (
            "post",
            reverse("cases:conflict", args=[_matter(f).conflict_check_id]),
            {"sub_kind": "t_visa", "lead_attorney": _riverside_attorney(f).user_id},
        ),
        "form error",
        NOT_A_STAFF_ATTORNEY,
        hidden=lambda f: (_riverside_attorney(f).user.full_name,),
    ),
    ("cases:list", "jurisdiction"): IdCase(
        "coordinator",
        lambda f: (
            "get",
            reverse("cases:list"),
            {"jurisdiction": _riverside_matter(f).jurisdiction_id, "closed": "on"},
        ),
        "form error",
        SELECT_VALID,
        hidden=lambda f: (
            "Riverside Test County Court",
            _riverside_matter(f).client.code,
            _riverside_attorney(f).user.full_name,
        ),
    ),
    ("cases:deadline_new", "rule"): IdCase(
        "attorney",
        lambda f: (
            "post",
            reverse("cases:deadline_new", args=[_matter(f).pk]),
            {"rule": _riverside_rule(f).pk, "trigger_date": timezone.localdate().isoformat()},
        ),
        "form error",
        NOT_A_LISTED_RULE,
    ),
    ("cases:deadline_new", "responsible"): IdCase(
        "attorney",
        lambda f: (
            "post",
            reverse("cases:deadline_new", args=[_matter(f).pk]),
            {**_deadline_data(f), "responsible": [_riverside_attorney(f).user_id]},
        ),
        "form error",
        SELECT_VALID,
        hidden=lambda f: (_riverside_attorney(f).user.full_name,),
    ),
    ("cases:note_add", "corrects"): IdCase(
        "attorney",
        lambda f: (
            "post",
            reverse("cases:note_add", args=[_matter(f).pk]),
            {"body": "Corrected text", "corrects": _riverside_note(f).pk},
        ),
        "form error",
        "That note cannot be corrected here.",
        hidden=lambda f: ("Riverside privileged note",),
    ),
    ("cases:team", "email"): IdCase(
        "coordinator",
        lambda f: (
            "post",
            reverse("cases:team", args=[_matter(f).pk]),
            {"email": _riverside_attorney(f).user.email},
        ),
        "form error",
        "No attorney or paralegal of this organization has this address.",
    ),
    # Removing someone who is not on the team does nothing: a second click on "remove"
    # finds the person already gone.
    ("cases:team", "remove"): IdCase(
        "coordinator",
        lambda f: (
            "post",
            reverse("cases:team", args=[_matter(f).pk]),
            {"remove": _riverside_matter(f).lead_attorney_id},
        ),
        "ignored",
    ),
    ("volunteers:assign", "user"): IdCase(
        "coordinator",
        lambda f: (
            "post",
            reverse("volunteers:assign", args=[_matter(f).pk]),
            {"user": make_volunteer(f["outsider"].organization).user_id},
        ),
        "form error",
        "This person is not a volunteer of this organization.",
    ),
    ("volunteers:credential_add", "training"): IdCase(
        "paralegal",
        lambda f: (
            "post",
            reverse("volunteers:credential_add", args=[_volunteer_profile(f).pk]),
            {
                "kind": "other",
                "training": _riverside_training(f).pk,
                "completed_on": timezone.localdate().isoformat(),
            },
        ),
        "form error",
        SELECT_VALID,
        hidden=lambda f: ("Riverside Test Training",),
    ),
    ("account:choose_organization", "membership"): IdCase(
        "coordinator",
        lambda f: (
            "post",
            reverse("account:choose_organization"),
            {"membership": f["outsider"].pk},
        ),
        "form error",
        SELECT_VALID,
        hidden=lambda f: (f["outsider"].organization.name,),
    ),
    # A cursor into the organization's own events: any number shows only those.
    ("audit_trail", "before"): IdCase(
        "coordinator",
        lambda f: (
            "get",
            reverse("audit_trail"),
            {
                "before": audit_record(
                    action="riverside.only.event", organization=f["outsider"].organization
                ).pk
                + 1
            },
        ),
        "ignored",
        hidden=lambda f: ("riverside.only.event",),
    ),
    # Another organization's attorney as the lead of a corrected matter.
    ("cases:matter_edit", "lead_attorney"): IdCase(
        "attorney",
        lambda f: (
            "post",
            reverse("cases:matter_edit", args=[_matter(f).pk]),
            {"lead_attorney": _riverside_attorney(f).user_id},
        ),
        "form error",
        NOT_A_STAFF_ATTORNEY,
        hidden=lambda f: (_riverside_attorney(f).user.full_name,),
    ),
    # Tasks (issue 13): the assignee is someone on the matter's team, never an outsider.
    ("cases:task_add", "assignee"): IdCase(
        "attorney",
        lambda f: (
            "post",
            reverse("cases:task_add", args=[_matter(f).pk]),
            {
                "title": "Call the client",
                "due_date": timezone.localdate().isoformat(),
                "assignee": _riverside_attorney(f).user_id,
            },
        ),
        "form error",
        SELECT_VALID,
        hidden=lambda f: (_riverside_attorney(f).user.full_name,),
    ),
    # Grants (issue 15): another organization's grant on hours or a matter.
    ("cases:time_add", "grant"): IdCase(
        "attorney",
        lambda f: (
            "post",
            reverse("cases:time_add", args=[_matter(f).pk]),
            {
                "date": timezone.localdate().isoformat(),
                "minutes": "30",
                "activity": "research",
                "grant": _riverside_grant(f).pk,
            },
        ),
        "form error",
        SELECT_VALID,
        hidden=lambda f: ("RIVERSIDE-ONLY",),
    ),
    ("cases:matter_edit", "grant"): IdCase(
        "attorney",
        lambda f: (
            "post",
            reverse("cases:matter_edit", args=[_matter(f).pk]),
            {"lead_attorney": f["attorney"].user_id, "grant": _riverside_grant(f).pk},
        ),
        "form error",
        SELECT_VALID,
        hidden=lambda f: ("RIVERSIDE-ONLY",),
    ),
    ("cases:time_entry_edit", "grant"): IdCase(
        "attorney",
        lambda f: (
            "post",
            reverse("cases:time_entry_edit", kwargs=_time_entry_url(f)),
            {
                "date": timezone.localdate().isoformat(),
                "hours": "0.5",
                "activity": "research",
                "grant": _riverside_grant(f).pk,
            },
        ),
        "form error",
        SELECT_VALID,
        hidden=lambda f: ("RIVERSIDE-ONLY",),
    ),
    # The reports page's grant filter (issue 15): another organization's grant.
    ("reports:page", "grant"): IdCase(
        "coordinator",
        lambda f: ("get", reverse("reports:page"), {"grant": _riverside_grant(f).pk}),
        "form error",
        SELECT_VALID,
        hidden=lambda f: ("RIVERSIDE-ONLY",),
    ),
    ("cases:conflict", "grant"): IdCase(
        "coordinator",
        lambda f: (
            "post",
            reverse("cases:conflict", args=[_matter(f).conflict_check_id]),
            {
                "sub_kind": "u_visa",
                "lead_attorney": f["attorney"].user_id,
                "grant": _riverside_grant(f).pk,
            },
        ),
        "form error",
        SELECT_VALID,
        hidden=lambda f: ("RIVERSIDE-ONLY",),
    ),
    ("cases:task_change", "assignee"): IdCase(
        "attorney",
        lambda f: (
            "post",
            reverse("cases:task_change", args=[_task_url(f)["pk"]]),
            {"action": "reassign", "assignee": _riverside_attorney(f).user_id},
        ),
        "form error",
        SELECT_VALID,
        hidden=lambda f: (_riverside_attorney(f).user.full_name,),
    ),
}


# Values read from a request that are not record ids, and what they are.
REQUEST_VALUES_NOT_IDS = {
    "addressee": "typed text: the packet's cover letter",
    "pdf_a": "a tick box",
    "subject": "typed text: the packet's cover letter",
    "action": "issue or revoke (the calendar feed)",
    "add_party": "a button: one more blank party on the conflict check form",
    "b": "a keyed hash of a birth date, searched within the organization's own records",
    "confirm": "the survivor's code, typed to confirm erasure",
    "decision": "a decision code (the conflict check's form)",
    "generate": "a button",
    "month": "a year and month",
    "next": "a local path, checked before it is followed",
    "no_conflict": "a tick box",
    "on": "legal hold on or off",
    "outcome": "an outcome code",
    "page": "a page number of a list already scoped to the member",
    "reason": "free text",
    "stage": "a stage code, checked against the matter's path",
    "start": "a date",
    "status": "a status code from a fixed list",
    "sub_kind": "a kind of matter (the matter-opening form)",
    "t": "keyed hashes of names, searched within the organization's own records",
    "template": "a template code, checked against the matter's kind",
    "view": "the calendar's layout: the month grid or the agenda",
}

# Ids of organizations: a directory (name and kind), not a guarded record. What an
# organization may receive is decided by the survivor's consent (tests/survivors/).
ORGANIZATION_DIRECTORY_FIELDS = {
    ("survivors:consents", "recipient"),
    ("survivors:refer", "to_organization"),
}


# --- What each URL is about: objects owned by Harbor and shared with no one ---------


def _recipient(f) -> Organization:
    """A partner organization none of the personas belongs to."""
    if "recipient" not in f:
        f["recipient"] = OrganizationFactory(
            name="Lighthouse Test Services", kind=Organization.Kind.PARTNER_NGO
        )
    return f["recipient"]


def _harbor_membership(f) -> dict:
    return {"pk": f["attorney"].pk}


def _survivor(f):
    """A Harbor survivor, the attorney given it (view and change), with consent and goal."""
    if "survivor" not in f:
        survivor = make_survivor(
            f["coordinator"].organization,
            by=f["coordinator"].user,
            legal_name="Matrix Person",
            needs=["shelter"],
            safe_location="Room 9, 1 Matrix Street",
        )
        access_grant(user=f["attorney"].user, obj=survivor, actions=("view", "change"))
        f["survivor"] = survivor
    return f["survivor"]


def _survivor_url(f) -> dict:
    return {"pk": _survivor(f).pk}


def _merge_pair_url(f) -> dict:
    """The Harbor survivor kept, and a duplicate of them (same name) merged into it."""
    if "duplicate" not in f:
        f["duplicate"] = make_survivor(
            f["coordinator"].organization, by=f["coordinator"].user, legal_name="Matrix Person"
        )
    return {"pk": _survivor(f).pk, "other": f["duplicate"].pk}


def _engagement_url(f) -> dict:
    """Harbor's client file of its own survivor (a walk-in client who engaged it)."""
    engagement = Engagement.objects.create(
        survivor=_survivor(f),
        organization=f["coordinator"].organization,
        engaged_on=timezone.localdate(),
        scope="Representation in a T-visa matter",
        recorded_by=f["coordinator"].user,
    )
    return {"pk": engagement.pk}


def _consent(f) -> Consent:
    if "consent" not in f:
        f["consent"] = Consent.objects.create(
            survivor=_survivor(f),
            recipient=_recipient(f),
            purpose=Purpose.SERVICE_REFERRAL,
            categories=["needs"],
            method=Consent.Method.WRITTEN,
            given_on=timezone.localdate(),
            recorded_by=f["coordinator"].user,
        )
    return f["consent"]


def _consent_url(f) -> dict:
    return {"pk": _consent(f).pk}


def _goal_url(f) -> dict:
    goal = ServiceGoal.objects.create(
        survivor=_survivor(f),
        need="shelter",
        description="Stable housing",
        created_by=f["coordinator"].user,
    )
    return {"pk": goal.pk}


def _referral_url(f) -> dict:
    consent = _consent(f)
    referral = Referral.objects.create(
        survivor=_survivor(f),
        from_organization=f["coordinator"].organization,
        to_organization=consent.recipient,
        purpose=consent.purpose,
        consent=consent,
        sent_by=f["coordinator"].user,
    )
    return {"pk": referral.pk}


def _intake_step_url(f) -> dict:
    return {"pk": _survivor(f).pk, "step": 2}


def _unfinished_intake_url(f) -> dict:
    """The survivor's intake not finished yet: finishing it is a change."""
    Survivor.objects.filter(pk=_survivor(f).pk).update(status=Survivor.Status.DRAFT)
    return {"pk": _survivor(f).pk}


def _matter(f):
    if "matter" not in f:
        f["matter"] = make_matter(
            f["coordinator"].organization, lead=f["attorney"].user, client=_survivor(f)
        )
    return f["matter"]


def _matter_url(f) -> dict:
    return {"pk": _matter(f).pk}


def _deadline_url(f) -> dict:
    matter = _matter(f)
    deadline = Deadline.objects.create(
        matter=matter,
        kind="filing",
        title="File I-914",
        due_date=timezone.localdate(),
        created_by=matter.lead_attorney,
    )
    return {"pk": deadline.pk}


def _outcome_url(f) -> dict:
    from cases.models import MatterOutcome

    matter = _matter(f)
    outcome = MatterOutcome.objects.create(
        matter=matter, kind="filed", date=timezone.localdate(), recorded_by=matter.lead_attorney
    )
    return {"pk": outcome.pk}


def _interpreter_url(f) -> dict:
    from cases.models import Interpreter

    matter = _matter(f)
    interpreter = Interpreter.objects.create(
        matter=matter,
        name="Almaz Tesfaye",
        language="ti",
        qualification="competent",
        added_by=matter.lead_attorney,
    )
    return {"pk": interpreter.pk}


def _interpreter_data(f) -> dict:
    return {"name": "Selam Haile", "language": "am", "qualification": "court_certified"}


def _outcome_data(f) -> dict:
    return {"kind": "approved", "date": timezone.localdate().isoformat()}


def _task_url(f) -> dict:
    from cases.models import Task

    matter = _matter(f)
    task = Task.objects.create(
        matter=matter,
        title="Call the client",
        due_date=timezone.localdate(),
        assignee=matter.lead_attorney,
        created_by=matter.lead_attorney,
    )
    return {"pk": task.pk}


def _check_url(f) -> dict:
    return {"pk": _matter(f).conflict_check_id}


def _client_url(f) -> dict:
    return {"survivor_pk": _survivor(f).pk}


def _grant(organization, code="OVC-TEST"):
    from cases.models import Grant

    today = timezone.localdate()
    return Grant.objects.get_or_create(
        organization=organization,
        code=code,
        defaults={
            "funder": "Test funder",
            "name": f"{code} grant",
            "starts_on": today - timedelta(days=365),
            "ends_on": today + timedelta(days=365),
            "matter_kinds": ["immigration"],
            "activities": ["research", "drafting"],
        },
    )[0]


def _grant_url(f) -> dict:
    return {"pk": _grant(f["org_admin"].organization).pk}


def _riverside_grant(f):
    return _grant(f["outsider"].organization, code="RIVERSIDE-ONLY")


def _rule_url(f) -> dict:
    _matter(f)
    return {"pk": DeadlineRule.objects.filter(organization=f["coordinator"].organization)[0].pk}


def _notification_url(f) -> dict:
    notification = Notification.objects.create(
        recipient=f["attorney"].user, organization=f["attorney"].organization, message="Hi"
    )
    return {"pk": notification.pk}


def _draft(f):
    if "draft" not in f:
        f["draft"] = DocumentDraft.objects.create(
            matter=_matter(f), template_code="survivor_declaration", created_by=f["attorney"].user
        )
    return f["draft"]


def _draft_url(f) -> dict:
    return {"pk": _draft(f).pk}


def _version_url(f) -> dict:
    version = DocumentVersion.objects.create(
        draft=_draft(f),
        matter=_matter(f),
        number=1,
        template_code="survivor_declaration",
        template_version=1,
        pdf_base64="JVBERi0=",
        sha256="0" * 64,
        pages=1,
        snapshot_json="{}",
        created_by=f["attorney"].user,
    )
    return {"pk": version.pk}


def _packet(f):
    from cases.models import Packet

    if "packet" not in f:
        # Something chosen, so that asking to build it changes the packet (queued).
        f["packet"] = Packet.objects.create(
            matter=_matter(f),
            created_by=f["attorney"].user,
            selection=[{"kind": "document", "id": 1}],
        )
    return f["packet"]


def _empty_packet(f):
    from cases.models import Packet

    return Packet.objects.create(matter=_matter(f), created_by=f["attorney"].user)


def _riverside_evidence(f):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence.services import evidence_add
    from tests.actors import lead_actor

    matter = _riverside_matter(f)
    return evidence_add(
        actor=lead_actor(matter),
        survivor=matter.client,
        matter=matter,
        kind="other",
        upload=SimpleUploadedFile("scan.png", _evidence_png()),
    )


def _packet_url(f) -> dict:
    return {"pk": _packet(f).pk}


def _packet_version_url(f) -> dict:
    from cases.models import PacketVersion
    from evidence.storage import encrypted_save

    version = PacketVersion.objects.create(
        packet=_packet(f),
        number=1,
        storage_name=encrypted_save(b"%PDF-1.7"),
        sha256="0" * 64,
        pages=1,
        cover_pages=1,
        bates_prefix=_matter(f).number,
        names_client=False,
        created_by=f["attorney"].user,
    )
    return {"pk": version.pk}


def _volunteer_profile(f):
    """The paralegal's own volunteer profile, with an admission and a certificate."""
    if "profile" not in f:
        profile = VolunteerProfile.objects.create(user=f["paralegal"].user, kind="paralegal")
        f["admission"] = BarAdmission.objects.create(profile=profile, jurisdiction="NY", number="1")
        f["credential"] = Credential.objects.create(
            profile=profile,
            organization=f["paralegal"].organization,
            kind="trauma",
            completed_on=timezone.localdate(),
            certificate_base64="JVBERi0=",
            certificate_type="application/pdf",
            certificate_sha256="0" * 64,
        )
        f["profile"] = profile
    return f["profile"]


def _profile_url(f) -> dict:
    return {"pk": _volunteer_profile(f).pk}


def _admission_url(f) -> dict:
    _volunteer_profile(f)
    return {"pk": f["admission"].pk}


def _credential_url(f) -> dict:
    _volunteer_profile(f)
    return {"pk": f["credential"].pk}


def _opportunity(f) -> Opportunity:
    """An open opportunity; the paralegal is a volunteer (has a profile)."""
    _volunteer_profile(f)
    if "opportunity" not in f:
        f["opportunity"] = Opportunity.objects.create(
            organization=f["coordinator"].organization,
            matter=_matter(f),
            role="paralegal",
            posted_by=f["coordinator"].user,
        )
    return f["opportunity"]


def _opportunity_url(f) -> dict:
    return {"pk": _opportunity(f).pk}


def _interest_url(f) -> dict:
    """An opportunity the paralegal is interested in (and confirmed no conflict for)."""
    Interest.objects.create(
        opportunity=_opportunity(f),
        user=f["paralegal"].user,
        no_conflict_confirmed_at=timezone.now(),
    )
    return {"pk": _opportunity(f).pk}


def _invitation_url(f) -> dict:
    invitation = Invitation.objects.create(
        organization=f["coordinator"].organization,
        email="invited@test.example",
        role="paralegal",
        token_hash="1" * 64,
        invited_by=f["coordinator"].user,
        expires_at=timezone.now() + timedelta(days=1),
    )
    return {"pk": invitation.pk}


def _assignment_url(f) -> dict:
    assignment = Assignment.objects.create(
        organization=f["coordinator"].organization,
        matter=_matter(f),
        user=f["attorney"].user,
        assigned_by=f["coordinator"].user,
    )
    return {"pk": assignment.pk}


def _harbor_url(f) -> dict:
    return {"pk": f["coordinator"].organization.pk}


def _api_client_url(f) -> dict:
    from api.models import Scope
    from api.services import api_client_create

    admin = f["org_admin"]
    client, _key = api_client_create(
        actor=Actor(user=admin.user, membership=admin),
        name="Matrix partner system",
        role=Role.COORDINATOR,
        scopes=[Scope.REFERRALS_READ],
        expires_at=timezone.now() + timedelta(days=30),
    )
    return {"pk": client.pk}


def _staff_invitation_url(f, role=Role.ATTORNEY) -> dict:
    invitation = StaffInvitation.objects.create(
        organization=f["coordinator"].organization,
        email=f"invited.{role}@test.example",
        email_token=role,
        role=role,
        token_hash=(role[0] * 64),
        invited_by=f["coordinator"].user,
        expires_at=timezone.now() + timedelta(days=1),
    )
    return {"pk": invitation.pk}


def _admin_invitation_url(f) -> dict:
    return _staff_invitation_url(f, role=Role.ORG_ADMIN)


def _endpoint_url(f) -> dict:
    from webhooks.models import Endpoint

    endpoint = Endpoint.objects.create(
        organization=f["coordinator"].organization,
        url="https://hooks.partner.example/aftercare",
        event_types=["referral.received"],
        secret="whsec_matrix",
    )
    return {"pk": endpoint.pk}


@pytest.fixture
def outsider_admin(riverside):
    """An admin of another organization: manages Riverside's settings, none of Harbor's."""
    return MembershipFactory(organization=riverside, role=Role.ORG_ADMIN)


def _evidence_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


def _evidence_upload_data(f) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"kind": "other", "file": SimpleUploadedFile("scan.png", _evidence_png())}


def _evidence(f, *, on_matter: bool = False):
    """A file on the Harbor survivor's record (or on the matter), stored encrypted."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence.services import evidence_add
    from tests.actors import actor_of

    key = "matter_evidence" if on_matter else "evidence"
    if key not in f:
        f[key] = evidence_add(
            actor=actor_of(f["coordinator"]),
            survivor=_survivor(f),
            matter=_matter(f) if on_matter else None,
            kind="identity_document",
            upload=SimpleUploadedFile("passport.png", _evidence_png()),
        )
    return f[key]


def _evidence_url(f) -> dict:
    return {"pk": _evidence(f).pk}


def _matter_evidence_url(f) -> dict:
    return {"pk": _evidence(f, on_matter=True).pk}


# --- Who must get a 404 --------------------------------------------------------------

# A member of another legal organization; a Harbor staff attorney with no grant; the
# partner NGO's intake worker (Safe Haven: nothing here is shared with it); a real Harbor
# volunteer who holds grants, on another matter only.
DENIED = ("outsider", "unassigned_volunteer", "intake_worker", "volunteer_on_other_matter")


@dataclass(frozen=True)
class ObjectCase:
    """How to make the object behind a URL, and which persona may open it."""

    make: Callable[[dict], dict]  # fixtures -> URL kwargs of an object owned by Harbor
    allowed: str  # a persona fixture that must NOT get a 404, so the test can fail
    methods: tuple[str, ...] = ("get", "post")  # POST-only views answer GET with 405
    data: tuple[tuple[str, str], ...] = ()  # what the allowed persona posts
    denied: tuple[str, ...] = DENIED  # who must get a 404 (and a denied audit event)


POST_ONLY = ("post",)
# Staff invitations are an admin's: a Harbor coordinator is refused like an outsider.
ADMINS_ONLY = (*DENIED, "coordinator")
# Organizations are the platform administrators': every member of one, its admin too, is
# refused (and the platform administrator, in turn, sees none of Harbor's records:
# tests/test_platform_admin_sees_no_records.py).
NOT_PLATFORM = (*DENIED, "org_admin", "coordinator")
# Webhook endpoints are organization settings: another organization's admin is refused too.
OTHER_ADMINS = (*ADMINS_ONLY, "outsider_admin")
OBJECT_URLS: dict[str, ObjectCase] = {
    "member_detail": ObjectCase(_harbor_membership, allowed="org_admin"),
    "member_edit": ObjectCase(_harbor_membership, allowed="org_admin"),
    "survivors:detail": ObjectCase(_survivor_url, allowed="attorney"),
    "survivors:services": ObjectCase(_survivor_url, allowed="attorney"),
    "survivors:intake_step": ObjectCase(_intake_step_url, allowed="attorney"),
    "survivors:intake_review": ObjectCase(_survivor_url, allowed="attorney"),
    "survivors:intake_finish": ObjectCase(_survivor_url, allowed="attorney", methods=POST_ONLY),
    "survivors:consents": ObjectCase(_survivor_url, allowed="attorney"),
    "survivors:share_record": ObjectCase(_survivor_url, allowed="attorney"),
    "survivors:refer": ObjectCase(_survivor_url, allowed="attorney"),
    "survivors:engagement": ObjectCase(_survivor_url, allowed="coordinator"),
    "survivors:engagement_end": ObjectCase(
        _engagement_url, allowed="coordinator", methods=POST_ONLY
    ),
    "survivors:engagement_legal_hold": ObjectCase(
        _engagement_url, allowed="coordinator", methods=POST_ONLY
    ),
    "survivors:engagement_erase": ObjectCase(_engagement_url, allowed="coordinator"),
    "survivors:reveal_location": ObjectCase(
        _survivor_url, allowed="coordinator", methods=POST_ONLY
    ),
    "survivors:legal_hold": ObjectCase(_survivor_url, allowed="coordinator", methods=POST_ONLY),
    "survivors:close": ObjectCase(_survivor_url, allowed="coordinator", methods=POST_ONLY),
    "survivors:erase": ObjectCase(_survivor_url, allowed="coordinator"),
    "survivors:consent_revoke": ObjectCase(_consent_url, allowed="coordinator", methods=POST_ONLY),
    "survivors:goal_status": ObjectCase(_goal_url, allowed="coordinator", methods=POST_ONLY),
    "survivors:referral": ObjectCase(_referral_url, allowed="coordinator"),
    "survivors:merge": ObjectCase(_survivor_url, allowed="coordinator"),
    "survivors:merge_compare": ObjectCase(_merge_pair_url, allowed="coordinator"),
    "survivors:communications": ObjectCase(_survivor_url, allowed="attorney"),
    "survivors:record_edit": ObjectCase(_survivor_url, allowed="attorney"),
    "survivors:history": ObjectCase(_survivor_url, allowed="attorney"),
    "cases:detail": ObjectCase(_matter_url, allowed="attorney"),
    "cases:note_add": ObjectCase(_matter_url, allowed="attorney", methods=POST_ONLY),
    "cases:time_add": ObjectCase(_matter_url, allowed="attorney", methods=POST_ONLY),
    "cases:party_add": ObjectCase(_matter_url, allowed="attorney", methods=POST_ONLY),
    "cases:stage": ObjectCase(
        _matter_url, allowed="attorney", methods=POST_ONLY, data=(("stage", "preparing"),)
    ),
    "cases:close": ObjectCase(_matter_url, allowed="attorney", methods=POST_ONLY),
    "cases:team": ObjectCase(_matter_url, allowed="coordinator", methods=POST_ONLY),
    "cases:deadline_new": ObjectCase(_matter_url, allowed="attorney", methods=POST_ONLY),
    "cases:deadline_confirm": ObjectCase(_deadline_url, allowed="attorney", methods=POST_ONLY),
    "cases:deadline_status": ObjectCase(_deadline_url, allowed="attorney", methods=POST_ONLY),
    "cases:notice_add": ObjectCase(_matter_url, allowed="attorney", methods=POST_ONLY),
    "cases:conflict_new": ObjectCase(_client_url, allowed="coordinator"),
    "cases:conflict": ObjectCase(_check_url, allowed="coordinator"),
    "cases:rule_edit": ObjectCase(_rule_url, allowed="org_admin"),
    "cases:documents": ObjectCase(_matter_url, allowed="attorney"),
    "cases:document_draft": ObjectCase(_draft_url, allowed="attorney"),
    "cases:document_preview": ObjectCase(_draft_url, allowed="attorney"),
    "cases:document_status": ObjectCase(_draft_url, allowed="attorney"),
    "cases:document_retry": ObjectCase(_draft_url, allowed="attorney", methods=POST_ONLY),
    "cases:document_translation": ObjectCase(
        _draft_url, allowed="attorney", methods=POST_ONLY, data=(("language", "es"),)
    ),
    "cases:document_download": ObjectCase(_version_url, allowed="attorney"),
    "cases:packets": ObjectCase(_matter_url, allowed="attorney"),
    "cases:packet": ObjectCase(_packet_url, allowed="attorney"),
    "cases:packet_build": ObjectCase(_packet_url, allowed="attorney", methods=POST_ONLY),
    "cases:packet_status": ObjectCase(_packet_url, allowed="attorney"),
    "cases:packet_download": ObjectCase(_packet_version_url, allowed="attorney"),
    "notification_read": ObjectCase(_notification_url, allowed="attorney", methods=POST_ONLY),
    "volunteers:detail": ObjectCase(_profile_url, allowed="coordinator"),
    "volunteers:credential_add": ObjectCase(_profile_url, allowed="paralegal", methods=POST_ONLY),
    "volunteers:admission_remove": ObjectCase(
        _admission_url, allowed="paralegal", methods=POST_ONLY
    ),
    "volunteers:credential_remove": ObjectCase(
        _credential_url, allowed="paralegal", methods=POST_ONLY
    ),
    "volunteers:certificate": ObjectCase(_credential_url, allowed="paralegal"),
    "volunteers:credential_verify": ObjectCase(
        _credential_url, allowed="coordinator", methods=POST_ONLY
    ),
    # Open opportunities carry no personal data and are shown to every volunteer of the
    # organization, so the volunteer persona may express interest like the paralegal.
    "volunteers:interest_express": ObjectCase(
        _opportunity_url,
        allowed="paralegal",
        methods=POST_ONLY,
        denied=("outsider", "unassigned_volunteer", "intake_worker"),
    ),
    "volunteers:opportunity": ObjectCase(_interest_url, allowed="paralegal"),
    "volunteers:interest_confirm": ObjectCase(
        _interest_url, allowed="paralegal", methods=POST_ONLY
    ),
    "volunteers:interest_withdraw": ObjectCase(
        _interest_url, allowed="paralegal", methods=POST_ONLY
    ),
    "volunteers:invitation_withdraw": ObjectCase(
        _invitation_url, allowed="coordinator", methods=POST_ONLY
    ),
    "volunteers:staff": ObjectCase(_matter_url, allowed="coordinator"),
    "volunteers:assign": ObjectCase(_matter_url, allowed="coordinator", methods=POST_ONLY),
    "volunteers:opportunity_post": ObjectCase(
        _matter_url, allowed="coordinator", methods=POST_ONLY
    ),
    "volunteers:assignment_end": ObjectCase(
        _assignment_url, allowed="coordinator", methods=POST_ONLY
    ),
    "volunteers:opportunity_close": ObjectCase(
        _opportunity_url, allowed="coordinator", methods=POST_ONLY
    ),
    # Correcting a matter and a deadline, and their history (issue 13).
    "cases:matter_edit": ObjectCase(_matter_url, allowed="attorney"),
    "cases:matter_history": ObjectCase(_matter_url, allowed="attorney"),
    "cases:deadline_edit": ObjectCase(_deadline_url, allowed="attorney"),
    "cases:deadline_history": ObjectCase(_deadline_url, allowed="attorney"),
    # Correcting a party and a time entry (issue 13).
    "cases:party_edit": ObjectCase(lambda f: _party_url(f), allowed="attorney"),
    "cases:time_entry_edit": ObjectCase(lambda f: _time_entry_url(f), allowed="attorney"),
    # Tasks (issue 13).
    "cases:task_add": ObjectCase(_matter_url, allowed="attorney", methods=POST_ONLY),
    "cases:task_change": ObjectCase(_task_url, allowed="attorney", methods=POST_ONLY),
    # Running the service (issue 16): an organization's admins manage its staff
    # invitations; platform administrators manage organizations, and nobody else sees them.
    "staff_invitation_resend": ObjectCase(
        _staff_invitation_url, allowed="org_admin", methods=POST_ONLY, denied=ADMINS_ONLY
    ),
    # Grants (issue 15): organization settings, its admins' in sudo mode.
    "cases:grant_edit": ObjectCase(_grant_url, allowed="org_admin", denied=ADMINS_ONLY),
    "staff_invitation_revoke": ObjectCase(
        _staff_invitation_url, allowed="org_admin", methods=POST_ONLY, denied=ADMINS_ONLY
    ),
    "api_clients:revoke": ObjectCase(
        _api_client_url, allowed="org_admin", methods=POST_ONLY, denied=ADMINS_ONLY
    ),
    "platform:organization": ObjectCase(_harbor_url, allowed="platform_admin", denied=NOT_PLATFORM),
    "platform:organization_edit": ObjectCase(
        _harbor_url, allowed="platform_admin", denied=NOT_PLATFORM
    ),
    "platform:organization_deactivate": ObjectCase(
        _harbor_url, allowed="platform_admin", methods=POST_ONLY, denied=NOT_PLATFORM
    ),
    "platform:organization_reactivate": ObjectCase(
        _harbor_url, allowed="platform_admin", methods=POST_ONLY, denied=NOT_PLATFORM
    ),
    "platform:admin_invite": ObjectCase(_harbor_url, allowed="platform_admin", denied=NOT_PLATFORM),
    "platform:invitation_resend": ObjectCase(
        _admin_invitation_url, allowed="platform_admin", methods=POST_ONLY, denied=NOT_PLATFORM
    ),
    "platform:invitation_revoke": ObjectCase(
        _admin_invitation_url, allowed="platform_admin", methods=POST_ONLY, denied=NOT_PLATFORM
    ),
    # Outcomes (issue 15).
    "cases:outcome_add": ObjectCase(
        _matter_url, allowed="attorney", methods=POST_ONLY, data=(("kind", "filed"),)
    ),
    "cases:outcome_edit": ObjectCase(lambda f: _outcome_url(f), allowed="attorney"),
    "cases:outcome_remove": ObjectCase(
        lambda f: _outcome_url(f), allowed="attorney", methods=POST_ONLY
    ),
    # Webhooks (issue 16): an organization's admins manage its endpoints, in sudo mode.
    "webhooks:endpoint": ObjectCase(_endpoint_url, allowed="org_admin", denied=OTHER_ADMINS),
    "webhooks:endpoint_rotate": ObjectCase(
        _endpoint_url, allowed="org_admin", methods=POST_ONLY, denied=OTHER_ADMINS
    ),
    "webhooks:endpoint_disable": ObjectCase(
        _endpoint_url, allowed="org_admin", methods=POST_ONLY, denied=OTHER_ADMINS
    ),
    "webhooks:endpoint_enable": ObjectCase(
        _endpoint_url, allowed="org_admin", methods=POST_ONLY, denied=OTHER_ADMINS
    ),
    "webhooks:endpoint_delete": ObjectCase(
        _endpoint_url, allowed="org_admin", methods=POST_ONLY, denied=OTHER_ADMINS
    ),
    # Interpreters (issue 14).
    "cases:interpreter_add": ObjectCase(
        _matter_url, allowed="attorney", methods=POST_ONLY, data=(("name", "Selam Haile"),)
    ),
    "cases:interpreter_edit": ObjectCase(lambda f: _interpreter_url(f), allowed="attorney"),
    "cases:interpreter_remove": ObjectCase(
        lambda f: _interpreter_url(f), allowed="attorney", methods=POST_ONLY
    ),
    # Evidence files (issue 14): a survivor's through the survivor's door and a consent
    # covering documents (tested below), a matter's through the matter's.
    "evidence:survivor": ObjectCase(_survivor_url, allowed="attorney"),
    "evidence:survivor_upload": ObjectCase(
        _survivor_url, allowed="attorney", methods=POST_ONLY, data=(("kind", "other"),)
    ),
    "evidence:matter": ObjectCase(_matter_url, allowed="attorney"),
    "evidence:matter_upload": ObjectCase(
        _matter_url, allowed="attorney", methods=POST_ONLY, data=(("kind", "other"),)
    ),
    "evidence:download": ObjectCase(_evidence_url, allowed="attorney"),
    "evidence:delete": ObjectCase(_evidence_url, allowed="attorney", methods=POST_ONLY),
}


# --- Who may see but not change: 403 ------------------------------------------------


def _paralegal_sees_matter(f) -> None:
    """A paralegal of Harbor given the matter to read only."""
    access_grant(user=f["paralegal"].user, obj=_matter(f), actions=("view",))


def _paralegal_sees_survivor(f) -> None:
    """A paralegal of Harbor given the survivor to read only (as a matter's team is)."""
    access_grant(user=f["paralegal"].user, obj=_survivor(f), actions=("view",))


def _shared_with_partner(f) -> None:
    """The survivor's consent shares identity and needs with Safe Haven."""
    survivor = _survivor(f)
    consent = Consent.objects.create(
        survivor=survivor,
        recipient=f["partner_coordinator"].organization,
        purpose=Purpose.SERVICE_REFERRAL,
        categories=["identity", "needs"],
        method=Consent.Method.WRITTEN,
        given_on=timezone.localdate(),
        recorded_by=f["coordinator"].user,
    )
    SurvivorShare.objects.create(survivor=survivor, organization=consent.recipient, consent=consent)
    survivor_access_refresh(survivor=survivor, organization_id=consent.recipient_id)


def _nothing_to_grant(f) -> None:
    """The persona already sees the object through their role or their own grants."""


def _verified_credential_url(f) -> dict:
    kwargs = _credential_url(f)
    Credential.objects.filter(pk=kwargs["pk"]).update(
        verified_at=timezone.now(), verified_by=f["coordinator"].user
    )
    return kwargs


def _matter_page(f) -> str:
    return reverse("cases:detail", args=[_matter(f).pk])


def _survivor_page(f) -> str:
    return reverse("survivors:detail", args=[_survivor(f).pk])


def _check_page(f) -> str:
    return reverse("cases:conflict", args=[_matter(f).conflict_check_id])


def _volunteer_page(f) -> str:
    return reverse("volunteers:detail", args=[_volunteer_profile(f).pk])


def _own_profile_page(f) -> str:
    _volunteer_profile(f)
    return reverse("volunteers:me")


@dataclass(frozen=True)
class ChangeCase:
    """A persona who may see the object (proved by a page they open) but not change it."""

    make: Callable[[dict], dict]  # URL kwargs
    persona: str
    grant: Callable[[dict], None]  # what lets the persona see the object
    sees: Callable[[dict], str]  # a page that shows them the object: 200
    data: Callable[[dict], dict]  # a change that the allowed persona's POST carries out
    allowed: str  # for the control: the same POST by them changes the database
    changes_database: bool = True  # False for a read of one field (the safe location)


def _no_data(f) -> dict:
    return {}


def _time_data(f) -> dict:
    return {"date": timezone.localdate().isoformat(), "minutes": "30", "activity": "research"}


def _deadline_data(f) -> dict:
    return {
        "kind": "filing",
        "title": "File the motion",
        "due_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "time_zone": "UTC",
    }


def _notice_data(f) -> dict:
    return {"kind": "rfe", "notice_date": timezone.localdate().isoformat(), "came_by_mail": "on"}


def _consent_data(f) -> dict:
    return {
        "recipient": _recipient(f).pk,
        "purpose": Purpose.SERVICE_REFERRAL,
        "categories": ["needs"],
        "method": Consent.Method.WRITTEN,
        "given_on": timezone.localdate().isoformat(),
    }


def _refer_data(f) -> dict:
    return {"to_organization": _consent(f).recipient_id, "purpose": Purpose.SERVICE_REFERRAL}


def _matter_change(
    make, data, *, allowed="attorney", persona="paralegal", grant=_paralegal_sees_matter
) -> ChangeCase:
    """A change refused to a Harbor paralegal who only reads the matter (by default)."""
    return ChangeCase(make, persona, grant, _matter_page, data, allowed)


def _survivor_changes(
    make, data, *, allowed="coordinator", manage=False, changes_database=True
) -> tuple[ChangeCase, ...]:
    """The same change refused to a Harbor paralegal who only reads the survivor, to the
    partner NGO that sees it under a consent and, for managing, to an attorney who may
    change the record but not close, hold or erase it."""
    readers = [
        ("paralegal", _paralegal_sees_survivor),
        ("partner_coordinator", _shared_with_partner),
    ]
    if manage:
        readers.append(("attorney", _nothing_to_grant))
    return tuple(
        ChangeCase(make, persona, grant, _survivor_page, data, allowed, changes_database)
        for persona, grant in readers
    )


FORBIDDEN_CHANGES: dict[str, tuple[ChangeCase, ...]] = {
    "cases:outcome_add": (_matter_change(_matter_url, _outcome_data),),
    "cases:outcome_edit": (_matter_change(_outcome_url, _outcome_data),),
    "cases:outcome_remove": (_matter_change(_outcome_url, _no_data),),
    "cases:interpreter_add": (_matter_change(_matter_url, _interpreter_data),),
    "cases:interpreter_edit": (_matter_change(_interpreter_url, _interpreter_data),),
    "cases:interpreter_remove": (_matter_change(_interpreter_url, _no_data),),
    "cases:note_add": (_matter_change(_matter_url, lambda f: {"body": "A privileged note"}),),
    "cases:time_add": (_matter_change(_matter_url, _time_data),),
    "cases:party_add": (
        _matter_change(_matter_url, lambda f: {"role": "employer", "name": "Adverse Person"}),
    ),
    "cases:stage": (_matter_change(_matter_url, lambda f: {"stage": "preparing"}),),
    "cases:close": (
        _matter_change(_matter_url, lambda f: {"outcome": "granted", "reason": "Approved"}),
    ),
    "cases:team": (
        _matter_change(
            _matter_url,
            lambda f: {"email": f["unassigned_volunteer"].user.email},
            allowed="coordinator",
        ),
        # The lead attorney changes the matter, but its team is a coordinator's decision.
        _matter_change(
            _matter_url,
            lambda f: {"email": f["unassigned_volunteer"].user.email},
            allowed="coordinator",
            persona="attorney",
            grant=_nothing_to_grant,
        ),
    ),
    "cases:deadline_new": (_matter_change(_matter_url, _deadline_data),),
    "cases:deadline_confirm": (_matter_change(_deadline_url, _no_data),),
    "cases:deadline_status": (_matter_change(_deadline_url, lambda f: {"status": "done"}),),
    "cases:notice_add": (_matter_change(_matter_url, _notice_data),),
    "cases:documents": (
        _matter_change(_matter_url, lambda f: {"template": "survivor_declaration"}),
    ),
    "cases:document_draft": (
        _matter_change(_draft_url, lambda f: {"paragraphs": "What happened, in my words"}),
    ),
    "cases:document_retry": (_matter_change(_draft_url, _no_data),),
    "cases:document_translation": (_matter_change(_draft_url, lambda f: {"language": "es"}),),
    "cases:packets": (_matter_change(_matter_url, _no_data),),
    "cases:packet": (_matter_change(_packet_url, lambda f: {"subject": "I-914"}),),
    "cases:packet_build": (_matter_change(_packet_url, _no_data),),
    # The attorney who ran the check sees it; deciding it and opening the matter are a
    # coordinator's.
    "cases:conflict": (
        ChangeCase(
            _check_url,
            "attorney",
            _nothing_to_grant,
            _check_page,
            lambda f: {"decision": "declined", "reason": "Represents the employer"},
            allowed="coordinator",
        ),
        ChangeCase(
            _check_url,
            "attorney",
            _nothing_to_grant,
            _check_page,
            # A type this check has not opened yet: the same type again finds the first.
            lambda f: {"sub_kind": "u_visa", "lead_attorney": f["attorney"].user_id},
            allowed="coordinator",
        ),
    ),
    "survivors:services": _survivor_changes(
        _survivor_url, lambda f: {"need": "shelter", "description": "Stable housing"}
    ),
    "survivors:intake_step": _survivor_changes(
        _intake_step_url, lambda f: {"country_of_origin": "Elsewhere"}
    ),
    "survivors:intake_finish": _survivor_changes(_unfinished_intake_url, _no_data),
    "survivors:record_edit": _survivor_changes(
        _survivor_url, lambda f: {"legal_name": "Matrix Person", "country_of_origin": "Elsewhere"}
    ),
    "survivors:consents": _survivor_changes(_survivor_url, _consent_data),
    "survivors:refer": _survivor_changes(_survivor_url, _refer_data),
    # Recording the engagement is a coordinator's, for a legal organization; an attorney
    # who may change the record (manage=True adds them) may not open the client file.
    "survivors:engagement": _survivor_changes(
        _survivor_url,
        lambda f: {"engaged_on": "2026-12-01", "scope": "Representation in a T-visa matter"},
        allowed="coordinator",
        manage=True,
    ),
    "survivors:consent_revoke": _survivor_changes(_consent_url, lambda f: {"reason": "Asked"}),
    "survivors:goal_status": _survivor_changes(_goal_url, lambda f: {"status": "achieved"}),
    "survivors:legal_hold": _survivor_changes(_survivor_url, lambda f: {"on": "1"}, manage=True),
    "survivors:close": _survivor_changes(_survivor_url, _no_data, manage=True),
    "survivors:erase": _survivor_changes(
        _survivor_url, lambda f: {"confirm": _survivor(f).code}, manage=True
    ),
    # The client file: a paralegal who reads the client may not end the representation;
    # an attorney on it may not hold or erase the organization's file.
    "survivors:engagement_end": (
        ChangeCase(
            _engagement_url,
            "paralegal",
            _paralegal_sees_survivor,
            _survivor_page,
            _no_data,
            allowed="coordinator",
        ),
    ),
    "survivors:engagement_legal_hold": (
        ChangeCase(
            _engagement_url,
            "attorney",
            _nothing_to_grant,
            _survivor_page,
            lambda f: {"on": "1"},
            allowed="coordinator",
        ),
    ),
    "survivors:engagement_erase": (
        ChangeCase(
            _engagement_url,
            "attorney",
            _nothing_to_grant,
            _survivor_page,
            lambda f: {"confirm": _survivor(f).code},
            allowed="coordinator",
        ),
    ),
    # Reading the safe-house address: the record may be seen, this one field not.
    "survivors:reveal_location": _survivor_changes(_survivor_url, _no_data, changes_database=False),
    # Merging a duplicate: the organization's coordinators only.
    "survivors:merge_compare": _survivor_changes(
        _merge_pair_url, lambda f: {"confirm": f["duplicate"].code}, manage=True
    ),
    # A coordinator sees a volunteer's admissions; only the volunteer removes them.
    "volunteers:admission_remove": (
        ChangeCase(
            _admission_url,
            "coordinator",
            _nothing_to_grant,
            _volunteer_page,
            _no_data,
            allowed="paralegal",
        ),
    ),
    # A verified credential stays unless a coordinator removes it.
    "volunteers:credential_remove": (
        ChangeCase(
            _verified_credential_url,
            "paralegal",
            _nothing_to_grant,
            _own_profile_page,
            _no_data,
            allowed="coordinator",
        ),
    ),
    "cases:matter_edit": (
        _matter_change(
            _matter_url,
            lambda f: {"receipt_number": "EAC2612345678", "lead_attorney": f["attorney"].user_id},
        ),
    ),
    "cases:deadline_edit": (_matter_change(_deadline_url, _deadline_data),),
    # Correcting a party and a time entry (issue 13).
    "cases:party_edit": (
        _matter_change(lambda f: _party_url(f), lambda f: {"role": "witness", "name": "Renamed"}),
    ),
    "evidence:survivor_upload": _survivor_changes(_survivor_url, _evidence_upload_data),
    "evidence:matter_upload": (_matter_change(_matter_url, _evidence_upload_data),),
    "evidence:delete": _survivor_changes(_evidence_url, _no_data),
    "cases:time_entry_edit": (
        _matter_change(
            lambda f: _time_entry_url(f),
            lambda f: {
                "date": timezone.localdate().isoformat(),
                "hours": "2.5",
                "activity": "court",
            },
        ),
    ),
}


def _party_url(f) -> dict:
    from cases.services.matters import party_add
    from tests.actors import lead_actor

    matter = _matter(f)
    party = party_add(actor=lead_actor(matter), matter=matter, role="employer", name="Pat Adverse")
    return {"pk": party.pk}


def _time_entry_url(f) -> dict:
    from cases.models import TimeEntry

    matter = _matter(f)
    entry = TimeEntry.objects.create(
        matter=matter, person=matter.lead_attorney, minutes=30, activity="research"
    )
    return {"pk": entry.pk}


# URLs with an object id that change nothing, or whose every viewer may change, and why.
NOT_CHANGES = {
    "member_detail": "a read",
    "member_edit": "only org admins see members, and they are the ones who change them",
    "survivors:detail": "a read",
    "survivors:intake_review": "a read (for those who may change the record)",
    "survivors:share_record": "a read (for those who may change the record)",
    "survivors:referral": "each end of a referral may move it; a move that is not theirs "
    "is not offered (a form error)",
    "survivors:merge": "a read (the duplicates, for those who manage the record)",
    "survivors:communications": "everyone who may see the survivor logs their own contacts "
    "with them (the log is their organization's, not a change to the record)",
    "survivors:history": "a read (values only of the categories the reader sees)",
    "cases:detail": "a read",
    "cases:conflict_new": "only coordinators see it, and they may run a check",
    "cases:rule_edit": "only org admins see rules, and they are the ones who change them",
    "cases:document_preview": "a read",
    "cases:document_status": "a read",
    "cases:document_download": "a read",
    "cases:packet_status": "a read",
    "cases:packet_download": "a read",
    "evidence:survivor": "a read",
    "evidence:matter": "a read",
    "evidence:download": "a read",
    "notification_read": "a notification is its recipient's alone",
    "volunteers:detail": "a read",
    "volunteers:certificate": "a read",
    "volunteers:credential_add": "whoever sees a profile (its volunteer, a coordinator) may add",
    "volunteers:credential_verify": "only coordinators see it, and they verify",
    "volunteers:interest_express": "every volunteer who sees an open opportunity may answer it",
    "volunteers:opportunity": "a read",
    "volunteers:interest_confirm": "an interest is its volunteer's alone",
    "volunteers:interest_withdraw": "an interest is its volunteer's alone",
    "volunteers:invitation_withdraw": "only coordinators see invitations, and they withdraw",
    "volunteers:staff": "a read (coordinators only)",
    "volunteers:assign": "staffing is a coordinator's: others do not see it (404)",
    "volunteers:opportunity_post": "staffing is a coordinator's: others do not see it (404)",
    "volunteers:assignment_end": "staffing is a coordinator's: others do not see it (404)",
    "volunteers:opportunity_close": "staffing is a coordinator's: others do not see it (404)",
    "cases:task_add": "anyone on a matter gives tasks to its team, a reader too: a task is "
    "work to do, not a change to the matter",
    "cases:task_change": "anyone on a matter completes, passes on or cancels its tasks",
    "cases:matter_history": "a read",
    "cases:deadline_history": "a read",
    "staff_invitation_resend": "only org admins see invitations, and they manage them",
    "cases:grant_edit": "only org admins see grants, and they are the ones who change them",
    "staff_invitation_revoke": "only org admins see invitations, and they manage them",
    "api_clients:revoke": "only org admins see API clients, and they revoke them",
    "platform:organization": "a read (platform administrators only)",
    "platform:organization_edit": "only platform administrators see it, and they change it",
    "platform:organization_deactivate": "only platform administrators see it, and they do it",
    "platform:organization_reactivate": "only platform administrators see it, and they do it",
    "platform:admin_invite": "only platform administrators see it, and they invite",
    "platform:invitation_resend": "only platform administrators see it, and they resend",
    "platform:invitation_revoke": "only platform administrators see it, and they withdraw",
    "webhooks:endpoint": "only org admins see endpoints, and they are the ones who manage them",
    "webhooks:endpoint_rotate": "only org admins see endpoints, and they manage them",
    "webhooks:endpoint_disable": "only org admins see endpoints, and they manage them",
    "webhooks:endpoint_enable": "only org admins see endpoints, and they manage them",
    "webhooks:endpoint_delete": "only org admins see endpoints, and they manage them",
}


# --- Ids in the query string or the POST body --------------------------------------


def _riverside_attorney(f):
    if "riverside_attorney" not in f:
        f["riverside_attorney"] = MembershipFactory(
            organization=f["outsider"].organization, role=Role.ATTORNEY
        )
    return f["riverside_attorney"]


def _riverside_interpreter(f):
    from cases.models import Interpreter

    matter = _riverside_matter(f)
    return Interpreter.objects.create(
        matter=matter,
        name="Riverside Interpreter Person",
        language="es",
        qualification="competent",
        added_by=matter.lead_attorney,
    )


def _riverside_matter(f):
    """A matter of Riverside, before a court of its own, with a privileged note."""
    if "riverside_matter" not in f:
        riverside = f["outsider"].organization
        court = Jurisdiction.objects.create(
            organization=riverside, name="Riverside Test County Court", type="court"
        )
        client = make_survivor(riverside, legal_name="Riverside Client Person")
        matter = make_matter(riverside, client=client, lead=_riverside_attorney(f).user)
        matter.jurisdiction = court
        matter.save(update_fields=["jurisdiction"])
        f["riverside_note"] = MatterNote.objects.create(
            matter=matter, author=matter.lead_attorney, body="Riverside privileged note"
        )
        f["riverside_matter"] = matter
    return f["riverside_matter"]


def _riverside_note(f) -> MatterNote:
    _riverside_matter(f)
    return f["riverside_note"]


def _riverside_referral(f) -> Referral:
    """A referral from Riverside to Safe Haven, of a Riverside client."""
    matter = _riverside_matter(f)
    consent = Consent.objects.create(
        survivor=matter.client,
        recipient=f["intake_worker"].organization,
        purpose=Purpose.SERVICE_REFERRAL,
        categories=["needs"],
        method=Consent.Method.WRITTEN,
        given_on=timezone.localdate(),
        recorded_by=f["outsider"].user,
    )
    return Referral.objects.create(
        survivor=matter.client,
        from_organization=matter.organization,
        to_organization=consent.recipient,
        purpose=consent.purpose,
        consent=consent,
        note="Riverside referral note",
        sent_by=f["outsider"].user,
    )


def _riverside_rule(f) -> DeadlineRule:
    deadline_rules_install(organization=f["outsider"].organization)
    return DeadlineRule.objects.filter(organization=f["outsider"].organization)[0]


def _riverside_training(f) -> Training:
    return Training.objects.create(
        organization=f["outsider"].organization, name="Riverside Test Training"
    )


# --- The tables are complete ---------------------------------------------------------


def _object_url_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _object_url_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.pattern.converters:
            names.add(f"{namespace}{entry.name}")
    return names


def test_every_object_url_is_in_the_matrix():
    uncovered = _object_url_names(get_resolver()) - set(OBJECT_URLS) - set(NOT_OBJECT_URLS)
    assert not uncovered, f"add these URL names to OBJECT_URLS: {sorted(uncovered)}"


def test_every_object_url_says_who_may_see_but_not_change():
    both = set(FORBIDDEN_CHANGES) & set(NOT_CHANGES)
    assert not both, f"in both FORBIDDEN_CHANGES and NOT_CHANGES: {sorted(both)}"
    missing = set(OBJECT_URLS) - set(FORBIDDEN_CHANGES) - set(NOT_CHANGES)
    assert not missing, f"add these to FORBIDDEN_CHANGES (or NOT_CHANGES): {sorted(missing)}"


_REQUEST_READ = re.compile(
    r"request\.(?:GET|POST)(?:\.get\(|\[)\s*[\"'](\w+)[\"']|[\"'](\w+)[\"'] (?:not )?in "
    r"request\.(?:GET|POST)"
)
APPS = ("aftercare", "cases", "survivors", "volunteers", "reports", "webhooks", "evidence")


def _names_read_from_requests() -> set[str]:
    """Every name a module of the apps reads from request.GET or request.POST itself."""
    names = set()
    for app in APPS:
        for path in Path(apps.get_app_config(app).path).rglob("*.py"):
            for match in _REQUEST_READ.finditer(path.read_text()):
                names.add(match.group(1) or match.group(2))
    return names


def _record_choice_fields() -> set[str]:
    """Fields of every form of the apps that choose a record by its id."""
    found = set()
    pending = [django_forms.BaseForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] not in APPS or not hasattr(cls, "base_fields"):
            continue
        for name, field in cls.base_fields.items():
            if isinstance(field, django_forms.ModelChoiceField):
                found.add(name)
    return found


def test_every_id_read_from_a_request_is_in_the_matrix():
    import aftercare.forms  # noqa: F401  (the forms are found through their base class)
    import cases.forms  # noqa: F401
    import survivors.forms  # noqa: F401
    import volunteers.forms  # noqa: F401

    covered = {param for _, param in IDS_IN_REQUESTS} | {
        param for _, param in ORGANIZATION_DIRECTORY_FIELDS
    }
    seen = _names_read_from_requests() | _record_choice_fields()
    unknown = seen - covered - set(REQUEST_VALUES_NOT_IDS)
    assert not unknown, (
        f"add these request values to IDS_IN_REQUESTS (or REQUEST_VALUES_NOT_IDS): "
        f"{sorted(unknown)}"
    )
    # The scan can fail: it finds the ids listed above.
    assert {"referral", "user", "remove", "rule", "jurisdiction", "training"} <= seen


# --- The personas --------------------------------------------------------------------


class Personas(dict):
    """Fixtures made on first use: each case pays only for the personas it names."""

    def __init__(self, request):
        super().__init__()
        self.request = request

    def __missing__(self, name: str):
        self[name] = self.request.getfixturevalue(name)
        return self[name]


@pytest.fixture
def personas(request, harbor, riverside, safehaven):
    return Personas(request)


# Appended to by every request (the audit trail), or not the application's data.
UNTRACKED_TABLES = {
    "aftercare_auditevent",
    "aftercare_auditchainhead",
    "django_session",
    "axes_accessattempt",
    "axes_accessfailurelog",
    "axes_accesslog",
}


def _database_rows() -> dict[str, list]:
    """Every row of every other table, as stored (ciphertext too: any write shows)."""
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table not in UNTRACKED_TABLES:
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
                rows[table] = cursor.fetchall()
    return rows


def _denied_events():
    return AuditEvent.objects.filter(action="aftercare.access.denied").order_by("-id")


def test_the_volunteer_persona_is_a_real_volunteer_with_grants(personas, client_for):
    volunteer = personas["volunteer_on_other_matter"]
    assert VolunteerProfile.objects.filter(user=volunteer.user).exists()
    assignment = Assignment.objects.active().get(user=volunteer.user)
    page = client_for(volunteer).get(reverse("cases:detail", args=[assignment.matter_id]))
    assert page.status_code == 200
    assert assignment.matter.number in page.text


# --- The tests -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "persona"),
    [(name, persona) for name in sorted(OBJECT_URLS) for persona in OBJECT_URLS[name].denied],
)
def test_personas_without_access_get_404_change_nothing_and_leave_a_denied_event(
    url_name, persona, personas, client_for
):
    case = OBJECT_URLS[url_name]
    client = client_for(personas[persona], sudo=True)
    url = reverse(url_name, kwargs=case.make(personas))
    for method in (getattr(client, name) for name in case.methods):
        before, denied = _database_rows(), _denied_events().count()
        response = method(url, dict(case.data))
        assert response.status_code == 404, f"{persona} {method.__name__.upper()} {url}"
        assert _database_rows() == before
        assert _denied_events().count() == denied + 1
        assert _denied_events()[0].actor == personas[persona].user


@pytest.mark.parametrize("url_name", sorted(OBJECT_URLS))
def test_the_allowed_persona_is_not_refused(url_name, personas, client_for):
    case = OBJECT_URLS[url_name]
    url = reverse(url_name, kwargs=case.make(personas))
    client = client_for(personas[case.allowed], sudo=True)
    response = getattr(client, case.methods[0])(url, dict(case.data))
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert "/account/" not in response.url


FORBIDDEN = [
    pytest.param(name, index, id=f"{name}-{case.persona}-{index}")
    for name in sorted(FORBIDDEN_CHANGES)
    for index, case in enumerate(FORBIDDEN_CHANGES[name])
]


@pytest.mark.parametrize(("url_name", "index"), FORBIDDEN)
def test_who_may_see_but_not_change_gets_403_changes_nothing_and_leaves_a_denied_event(
    url_name, index, personas, client_for
):
    case = FORBIDDEN_CHANGES[url_name][index]
    url = reverse(url_name, kwargs=case.make(personas))
    case.grant(personas)
    data = case.data(personas)
    client = client_for(personas[case.persona], sudo=True)
    assert client.get(case.sees(personas)).status_code == 200, "the persona must see it"

    before, denied = _database_rows(), _denied_events().count()
    response = client.post(url, data)

    assert response.status_code == 403
    assert _database_rows() == before
    assert _denied_events().count() == denied + 1
    assert _denied_events()[0].actor == personas[case.persona].user


@pytest.mark.parametrize(("url_name", "index"), FORBIDDEN)
def test_the_same_change_by_the_allowed_persona_is_carried_out(
    url_name, index, personas, client_for
):
    """The control: the refused POST is a real change, so the 403 test can fail."""
    case = FORBIDDEN_CHANGES[url_name][index]
    url = reverse(url_name, kwargs=case.make(personas))
    data = case.data(personas)
    client = client_for(personas[case.allowed], sudo=True)

    before = _database_rows()
    response = client.post(url, data)

    assert response.status_code in (200, 302)
    if case.changes_database:
        assert _database_rows() != before
    else:
        assert "Room 9, 1 Matrix Street" in response.text


@pytest.mark.parametrize(
    ("url_name", "param"), sorted(IDS_IN_REQUESTS), ids=lambda value: str(value)
)
def test_a_foreign_id_in_the_request_is_refused_and_changes_nothing(
    url_name, param, personas, client_for
):
    case = IDS_IN_REQUESTS[(url_name, param)]
    method, url, data = case.request(personas)
    member = personas[case.persona]
    client = client_for(member, sudo=True)

    before, denied = _database_rows(), _denied_events().count()
    response = getattr(client, method)(url, data)

    if case.outcome == "404":
        assert response.status_code == 404
        assert _denied_events().count() == denied + 1
    elif case.outcome == "form error":
        assert response.status_code == 200
        assert case.message in response.text
    else:
        assert case.outcome == "ignored"
        assert response.status_code in (200, 302)
    assert _database_rows() == before
    for text in case.hidden(personas):
        assert text not in response.text
    assert client.session[ACTING_MEMBERSHIP_KEY] == member.pk


# --- Evidence: a partner organization reads a survivor's files only under a consent --


def _shared_documents(f, categories) -> None:
    survivor = _survivor(f)
    consent = Consent.objects.create(
        survivor=survivor,
        recipient=f["partner_coordinator"].organization,
        purpose=Purpose.SERVICE_REFERRAL,
        categories=categories,
        method=Consent.Method.WRITTEN,
        given_on=timezone.localdate(),
        recorded_by=f["coordinator"].user,
    )
    SurvivorShare.objects.create(survivor=survivor, organization=consent.recipient, consent=consent)
    survivor_access_refresh(survivor=survivor, organization_id=consent.recipient_id)


EVIDENCE_READS = ("evidence:survivor", "evidence:download")


@pytest.mark.parametrize("url_name", EVIDENCE_READS)
def test_a_partner_without_a_consent_to_share_documents_gets_404(url_name, personas, client_for):
    url = reverse(url_name, kwargs=OBJECT_URLS[url_name].make(personas))
    _shared_with_partner(personas)  # identity and needs: the record, not its files
    client = client_for(personas["partner_coordinator"])
    assert client.get(_survivor_page(personas)).status_code == 200
    denied = _denied_events().count()
    assert client.get(url).status_code == 404
    assert _denied_events().count() == denied + 1


@pytest.mark.parametrize("url_name", EVIDENCE_READS)
def test_a_partner_with_a_consent_to_share_documents_may_read(url_name, personas, client_for):
    url = reverse(url_name, kwargs=OBJECT_URLS[url_name].make(personas))
    _shared_documents(personas, ["documents"])
    assert client_for(personas["partner_coordinator"]).get(url).status_code == 200


@pytest.mark.parametrize("persona", DENIED)
def test_a_matters_file_is_refused_to_whoever_is_not_on_the_matter(persona, personas, client_for):
    url = reverse("evidence:download", kwargs=_matter_evidence_url(personas))
    _shared_documents(personas, ["identity", "documents"])  # the client's, not the matter's
    client = client_for(personas[persona], sudo=True)
    for method in (client.get, client.post):
        assert method(url).status_code in (404, 405)
    assert client.get(url).status_code == 404
    assert client_for(personas["attorney"]).get(url).status_code == 200
