"""Every URL that takes an object id, against everyone who must not see the object.

A member of another organization and an unassigned member of the same
organization get 404 (never a hint that the object exists) and leave a denied
audit event. A URL pattern with an object id that is not listed here fails the
suite: new views join the matrix when they are written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from aftercare.access import access_grant
from aftercare.models import AuditEvent, Notification
from cases.models import Deadline, DeadlineRule, DocumentDraft, DocumentVersion
from survivors.models import Consent, Purpose, Referral, ServiceGoal
from tests.factories import make_matter, make_survivor
from volunteers.models import (
    Assignment,
    BarAdmission,
    Credential,
    Interest,
    Invitation,
    Opportunity,
    VolunteerProfile,
)

pytestmark = pytest.mark.django_db

# URL patterns with parameters that are not object ids, and why.
NOT_OBJECT_URLS = {
    "account:password_reset_confirm": "a signed, expiring token in an email, not a record id",
    "cases:feed": "a secret calendar token; a wrong or revoked one is a 404 (tested)",
    "volunteers:join": "a secret invitation token; a wrong, used or expired one is a 404 (tested)",
}


@dataclass(frozen=True)
class ObjectCase:
    """How to make the object behind a URL, and which persona may open it."""

    make: Callable[[dict], dict]  # fixtures -> URL kwargs of an object owned by Harbor
    allowed: str  # a persona fixture that must NOT get a 404, so the test can fail
    methods: tuple[str, ...] = ("get", "post")  # POST-only views answer GET with 405
    data: tuple[tuple[str, str], ...] = ()  # what the allowed persona posts
    # Who must get a 404 (and a denied audit event).
    denied: tuple[str, ...] = ("outsider", "unassigned_volunteer")


def _harbor_membership(f) -> dict:
    return {"pk": f["attorney"].pk}


def _survivor(f):
    """A Harbor survivor, the attorney assigned (view and change), with consent and goal."""
    if "survivor" not in f:
        survivor = make_survivor(
            f["coordinator"].organization,
            by=f["coordinator"].user,
            legal_name="Matrix Person",
            needs=["shelter"],
        )
        access_grant(user=f["attorney"].user, obj=survivor, actions=("view", "change"))
        f["survivor"] = survivor
    return f["survivor"]


def _survivor_url(f) -> dict:
    return {"pk": _survivor(f).pk}


def _consent(f, recipient=None) -> Consent:
    return Consent.objects.create(
        survivor=_survivor(f),
        recipient=recipient or f["intake_worker"].organization,
        purpose=Purpose.SERVICE_REFERRAL,
        categories=["needs"],
        method=Consent.Method.WRITTEN,
        given_on=timezone.localdate(),
        recorded_by=f["coordinator"].user,
    )


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


def _check_url(f) -> dict:
    return {"pk": _matter(f).conflict_check_id}


def _client_url(f) -> dict:
    return {"survivor_pk": _survivor(f).pk}


def _rule_url(f) -> dict:
    _matter(f)
    return {"pk": DeadlineRule.objects.filter(organization=f["coordinator"].organization)[0].pk}


def _notification_url(f) -> dict:
    notification = Notification.objects.create(recipient=f["attorney"].user, message="Hi")
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


POST_ONLY = ("post",)
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
    "survivors:reveal_location": ObjectCase(
        _survivor_url, allowed="coordinator", methods=POST_ONLY
    ),
    "survivors:legal_hold": ObjectCase(_survivor_url, allowed="coordinator", methods=POST_ONLY),
    "survivors:close": ObjectCase(_survivor_url, allowed="coordinator", methods=POST_ONLY),
    "survivors:erase": ObjectCase(_survivor_url, allowed="coordinator"),
    "survivors:consent_revoke": ObjectCase(_consent_url, allowed="coordinator", methods=POST_ONLY),
    "survivors:goal_status": ObjectCase(_goal_url, allowed="coordinator", methods=POST_ONLY),
    "survivors:referral": ObjectCase(_referral_url, allowed="coordinator"),
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
    "cases:conflict_new": ObjectCase(_client_url, allowed="coordinator"),
    "cases:conflict": ObjectCase(_check_url, allowed="coordinator"),
    "cases:rule_edit": ObjectCase(_rule_url, allowed="org_admin"),
    "cases:documents": ObjectCase(_matter_url, allowed="attorney"),
    "cases:document_draft": ObjectCase(_draft_url, allowed="attorney"),
    "cases:document_preview": ObjectCase(_draft_url, allowed="attorney"),
    "cases:document_status": ObjectCase(_draft_url, allowed="attorney"),
    "cases:document_download": ObjectCase(_version_url, allowed="attorney"),
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
}


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


@pytest.fixture
def personas(
    request,
    org_admin,
    coordinator,
    attorney,
    paralegal,
    unassigned_volunteer,
    outsider,
    intake_worker,
):
    return {
        name: request.getfixturevalue(name)
        for name in (
            "org_admin",
            "coordinator",
            "attorney",
            "paralegal",
            "unassigned_volunteer",
            "outsider",
            "intake_worker",
        )
    }


@pytest.mark.parametrize(
    ("url_name", "persona"),
    [(name, persona) for name in sorted(OBJECT_URLS) for persona in OBJECT_URLS[name].denied],
)
def test_personas_without_access_get_404_and_leave_a_denied_event(
    url_name, persona, personas, client_for
):
    case = OBJECT_URLS[url_name]
    kwargs = case.make(personas)
    url = reverse(url_name, kwargs=kwargs)
    client = client_for(personas[persona], sudo=True)
    for method in (getattr(client, name) for name in case.methods):
        before = AuditEvent.objects.filter(action="aftercare.access.denied").count()
        response = method(url)
        assert response.status_code == 404, f"{persona} {method.__name__.upper()} {url}"
        denied = AuditEvent.objects.filter(action="aftercare.access.denied").order_by("-id")
        assert denied.count() == before + 1
        assert denied[0].actor == personas[persona].user


@pytest.mark.parametrize("url_name", sorted(OBJECT_URLS))
def test_the_allowed_persona_is_not_refused(url_name, personas, client_for):
    case = OBJECT_URLS[url_name]
    url = reverse(url_name, kwargs=case.make(personas))
    client = client_for(personas[case.allowed], sudo=True)
    response = getattr(client, case.methods[0])(url, dict(case.data))
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert "/account/" not in response.url
