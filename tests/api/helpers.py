"""Records for the API tests, made through the real services where one exists."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cases.models import Deadline, DocumentDraft, DocumentVersion
from survivors.models import Referral, SurvivorShare
from survivors.services.sharing import survivor_access_refresh
from tests.api.conftest import consent_to
from tests.factories import make_matter, make_survivor

PDF = "JVBERi0xLjQKJcTl8uXrCg=="  # "%PDF-1.4" and a comment: enough to hand out


def deadline_on(matter, *, days=10, by=None) -> Deadline:
    return Deadline.objects.create(
        matter=matter,
        kind=Deadline.Kind.FILING,
        title="File the I-914",
        due_date=timezone.localdate() + timedelta(days=days),
        created_by=by or matter.lead_attorney,
    )


def version_of(matter, *, names_client=False) -> DocumentVersion:
    draft = DocumentDraft.objects.create(
        matter=matter, template_code="survivor_declaration", created_by=matter.lead_attorney
    )
    return DocumentVersion.objects.create(
        draft=draft,
        matter=matter,
        number=1,
        template_code="survivor_declaration",
        template_version=1,
        pdf_base64=PDF,
        sha256="0" * 64,
        pages=1,
        snapshot_json="{}",
        names_client=names_client,
        created_by=matter.lead_attorney,
    )


def shared_referral(*, sender, receiver, legal_name="Shared Person") -> Referral:
    """A sender's survivor referred to the receiver under a current consent."""
    survivor = make_survivor(sender, legal_name=legal_name, needs=["legal"])
    consent = consent_to(survivor, receiver)
    SurvivorShare.objects.create(survivor=survivor, organization=receiver, consent=consent)
    survivor_access_refresh(survivor=survivor, organization_id=receiver.pk)
    from tests.factories import MembershipFactory

    return Referral.objects.create(
        survivor=survivor,
        from_organization=sender,
        to_organization=receiver,
        purpose="legal_representation",
        consent=consent,
        sent_by=MembershipFactory(organization=sender).user,
    )


def harbor_records(harbor):
    """A Harbor client with a matter, a deadline and a generated version."""
    client = make_survivor(harbor, legal_name="Harbor Client", languages="Tigrinya")
    matter = make_matter(harbor, client=client)
    return {
        "survivor": client,
        "matter": matter,
        "deadline": deadline_on(matter),
        "version": version_of(matter),
    }
