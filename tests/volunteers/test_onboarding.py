"""Joining by invitation, the profile, and certificates that are checked, stripped of
metadata and stored encrypted."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader, PdfWriter

from aftercare.models import AuditEvent, Membership, User
from volunteers.models import Credential, Invitation, VolunteerProfile

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unguessable sentence 7"


def invite(client, email="new.volunteer@test.example", role="attorney"):
    response = client.post(reverse("volunteers:invitations"), {"email": email, "role": role})
    link = re.search(r"https?://\S+/volunteers/join/\S+/", mail.outbox[-1].body).group(0)
    return response, link.split("8000", 1)[-1] if "8000" in link else link


def test_an_invited_volunteer_sets_a_password_and_is_sent_to_the_second_factor(
    coordinator, client_for, client
):
    response, path = invite(client_for(coordinator))
    assert response.status_code == 302
    assert mail.outbox[0].to == ["new.volunteer@test.example"]
    invitation = Invitation.objects.get()
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert token not in invitation.token_hash, "only a hash of the token is kept"

    page = client.get(path)
    assert "Volunteer with Harbor Test Legal Aid" in page.content.decode()
    bad = client.post(
        path, {"full_name": "Nia Volunteer", "password": "short", "password_again": "short"}
    )
    assert bad.status_code == 200
    assert 'value="Nia Volunteer"' in bad.content.decode(), "the name typed is kept"
    assert not User.objects.filter(email="new.volunteer@test.example").exists()

    done = client.post(
        path, {"full_name": "Nia Volunteer", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert done.url == reverse("account:setup")
    user = User.objects.get(email="new.volunteer@test.example")
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role) == (coordinator.organization, "attorney")
    assert VolunteerProfile.objects.get(user=user).kind == "attorney"
    # Signed in with the password only: nothing but the authenticator setup opens.
    assert client.get(reverse("volunteers:me")).url == reverse("account:verify")
    # The link worked once.
    client.logout()
    assert client.get(path).status_code == 404


def test_an_expired_or_withdrawn_invitation_does_not_work(
    coordinator, client_for, client, time_machine
):
    _, path = invite(client_for(coordinator))
    time_machine.move_to(timezone.now() + timedelta(days=14) - timedelta(minutes=1))
    assert client.get(path).status_code == 200, "good for 14 days"
    time_machine.move_to(timezone.now() + timedelta(minutes=2))
    assert client.get(path).status_code == 404
    _, path = invite(client_for(coordinator), email="second@test.example")
    assert client.get(path).status_code == 200
    second = Invitation.objects.get(accepted_at=None, expires_at__gt=timezone.now())
    client_for(coordinator).post(reverse("volunteers:invitation_withdraw", args=[second.pk]))
    assert client.get(path).status_code == 404


def test_an_invitation_that_cannot_be_emailed_saves_nothing(coordinator, client_for, settings):
    settings.EMAIL_BACKEND = "tests.volunteers.test_onboarding.BrokenBackend"
    response = client_for(coordinator).post(
        reverse("volunteers:invitations"), {"email": "x@test.example", "role": "paralegal"}
    )
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    assert 'value="x@test.example"' in response.content.decode()
    assert not Invitation.objects.exists()


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP server unreachable")


def test_someone_with_an_account_accepts_on_it(coordinator, attorney, client_for, riverside):
    from tests.factories import MembershipFactory

    elsewhere = MembershipFactory(organization=riverside, role="paralegal")
    _, path = invite(client_for(coordinator), email=elsewhere.user.email, role="paralegal")
    anonymous = client_for(coordinator).__class__()
    assert "Sign in to accept" in anonymous.get(path).content.decode()
    signed_in = client_for(elsewhere)
    assert signed_in.post(path).status_code == 302
    assert Membership.objects.filter(
        user=elsewhere.user, organization=coordinator.organization, role="paralegal"
    ).exists()


def pdf_with_metadata() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.add_metadata({"/Author": "Hidden Authorname", "/Title": "Home address 12 Elm St"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), "white")
    exif = Image.Exif()
    exif[0x013B] = "Hidden Photographer"  # Artist
    exif[0x0112] = 6  # rotated: the cleaned copy must keep it upright
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(name, content, content_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def a_month_ago() -> str:
    return (timezone.localdate() - timedelta(days=30)).isoformat()


def add_credential(client, profile, certificate, kind="trauma"):
    return client.post(
        reverse("volunteers:credential_add", args=[profile.pk]),
        {"kind": kind, "completed_on": a_month_ago(), "certificate": certificate},
    )


@pytest.fixture
def own_profile(unassigned_volunteer):
    return VolunteerProfile.objects.create(user=unassigned_volunteer.user, kind="attorney")


def test_a_pdf_certificate_is_stored_encrypted_without_its_metadata(
    unassigned_volunteer, own_profile, client_for
):
    client = client_for(unassigned_volunteer)
    response = add_credential(
        client, own_profile, upload("cert.pdf", pdf_with_metadata(), "application/pdf")
    )
    assert response.status_code == 302
    credential = Credential.objects.get()
    assert not credential.is_verified, "a volunteer's own entry waits for a coordinator"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT certificate_base64 FROM volunteers_credential WHERE id = %s", [credential.pk]
        )
        stored = cursor.fetchone()[0]
    assert not stored.startswith("JVBER"), "the database holds ciphertext, not the PDF"

    download = client.get(reverse("volunteers:certificate", args=[credential.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert "cert.pdf" not in download["Content-Disposition"]
    reader = PdfReader(io.BytesIO(download.content))
    assert len(reader.pages) == 1
    assert not reader.metadata, reader.metadata
    assert b"Hidden Authorname" not in download.content
    assert AuditEvent.objects.filter(action="volunteers.certificate.downloaded").exists()


def test_an_image_certificate_loses_its_exif_and_stays_upright(
    unassigned_volunteer, own_profile, client_for
):
    client = client_for(unassigned_volunteer)
    add_credential(client, own_profile, upload("scan.jpg", jpeg_with_exif(), "image/jpeg"))
    credential = Credential.objects.get()
    content = client.get(reverse("volunteers:certificate", args=[credential.pk])).content
    image = Image.open(io.BytesIO(content))
    assert not image.getexif(), dict(image.getexif())
    assert image.size == (30, 40), "the EXIF rotation was applied to the pixels"
    assert b"Hidden Photographer" not in content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00" + b"\x00" * 100, "Upload a PDF, or a photo in JPEG, PNG"),
        ("fake.pdf", b"<html>not a pdf</html>", "Upload a PDF, or a photo in JPEG, PNG"),
        ("broken.pdf", b"%PDF-1.7\nthis is not really a pdf", "The PDF could not be read."),
        ("huge.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "larger than 5 MB"),
    ],
)
def test_a_bad_certificate_is_refused_with_a_reason_and_nothing_is_saved(
    unassigned_volunteer, own_profile, client_for, name, content, message
):
    response = add_credential(
        client_for(unassigned_volunteer), own_profile, upload(name, content, "application/pdf")
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert f'value="{a_month_ago()}"' in response.content.decode(), "the dates typed are kept"
    assert not Credential.objects.exists()


def test_a_coordinator_verifies_a_credential_and_only_then_it_counts(
    unassigned_volunteer, own_profile, coordinator, client_for
):
    add_credential(
        client_for(unassigned_volunteer),
        own_profile,
        upload("c.png", _png(), "image/png"),
        kind="confidentiality",
    )
    credential = Credential.objects.get()
    page = client_for(coordinator).get(reverse("volunteers:detail", args=[own_profile.pk]))
    assert "awaiting verification" in page.content.decode()
    client_for(coordinator).post(reverse("volunteers:credential_verify", args=[credential.pk]))
    credential.refresh_from_db()
    assert credential.verified_by == coordinator.user
    # A volunteer cannot verify their own.
    other = Credential.objects.create(
        profile=own_profile,
        organization=coordinator.organization,
        kind="trauma",
        completed_on="2026-01-01",
    )
    response = client_for(unassigned_volunteer).post(
        reverse("volunteers:credential_verify", args=[other.pk])
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert not other.is_verified


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "white").save(out, "PNG")
    return out.getvalue()


def test_the_profile_form_takes_languages_with_levels_and_keeps_bad_input(
    unassigned_volunteer, own_profile, client_for
):
    client = client_for(unassigned_volunteer)
    data = {
        "kind": "attorney",
        "firm": "Pro Bono LLP",
        "malpractice_coverage": "on",
        "practice_areas": ["immigration", "civil"],
        "languages": "Spanish (fluent), Tigrinya",
        "capacity": "2",
        "availability": "Evenings",
    }
    bad = client.post(reverse("volunteers:me"), data)
    assert "Write “Tigrinya” as a language and a level" in bad.content.decode()
    assert 'value="Pro Bono LLP"' in bad.content.decode()
    data["languages"] = "Spanish (fluent), Tigrinya (native)"
    assert client.post(reverse("volunteers:me"), data).status_code == 302
    own_profile.refresh_from_db()
    assert own_profile.languages == [
        {"language": "Spanish", "proficiency": "fluent"},
        {"language": "Tigrinya", "proficiency": "native"},
    ]
    assert own_profile.practice_areas == ["immigration", "civil"]
    assert own_profile.malpractice_coverage and own_profile.capacity == 2


def test_a_volunteer_of_two_organizations_keeps_each_ones_credentials_apart(
    harbor, riverside, coordinator, outsider, client_for
):
    """Riverside's coordinator cannot read, remove or stand in for Harbor's checks."""
    from tests.actors import staffing_client
    from tests.factories import MembershipFactory, make_matter, make_survivor
    from volunteers.matching import volunteers_for

    member = MembershipFactory(organization=harbor, role="attorney")
    MembershipFactory(user=member.user, organization=riverside, role="attorney")
    profile = VolunteerProfile.objects.create(
        user=member.user, kind="attorney", malpractice_coverage=True
    )
    harbor_check = Credential.objects.create(
        profile=profile,
        organization=harbor,
        kind="confidentiality",
        completed_on="2026-01-01",
        verified_at=timezone.now(),
        certificate_base64="JVBERi0=",
        certificate_type="application/pdf",
        certificate_sha256="0" * 64,
    )
    riverside_coordinator = client_for(outsider)
    for url in (
        reverse("volunteers:certificate", args=[harbor_check.pk]),
        reverse("volunteers:credential_remove", args=[harbor_check.pk]),
    ):
        assert riverside_coordinator.post(url).status_code in (404, 405)
        assert riverside_coordinator.get(url).status_code in (404, 405)
    assert Credential.objects.filter(pk=harbor_check.pk).exists()

    # A background check Riverside verifies does not open a Harbor child's matter.
    riverside_coordinator.post(
        reverse("volunteers:credential_add", args=[profile.pk]),
        {"kind": "background_check", "completed_on": "2026-02-01"},
    )
    riverside_check = Credential.objects.get(kind="background_check")
    assert riverside_check.organization == riverside and riverside_check.is_verified
    child = make_survivor(
        harbor, legal_name="Child", date_of_birth=timezone.localdate() - timedelta(days=3000)
    )
    matter = make_matter(harbor, client=child)
    verdict = next(
        m for m in volunteers_for(matter, client=staffing_client(matter)) if m.profile == profile
    )
    assert any("No current background check" in r for r in verdict.reasons_against)


def test_an_invitation_never_changes_an_existing_membership(coordinator, org_admin, client_for):
    from aftercare.models import Role

    _, path = invite(client_for(coordinator), email="someone@test.example")
    # Meanwhile the same person became an admin here by another way.
    from tests.factories import MembershipFactory

    admin = MembershipFactory(
        organization=coordinator.organization,
        role=Role.ORG_ADMIN,
        user__email="someone@test.example",
    )
    response = client_for(admin).post(path)
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.role == Role.ORG_ADMIN and admin.is_active


def test_a_decompression_bomb_is_refused_before_it_is_decoded(
    unassigned_volunteer, own_profile, client_for
):
    out = io.BytesIO()
    Image.new("1", (8900, 8900)).save(out, "PNG")
    assert len(out.getvalue()) < 20_000, "tiny on disk"
    response = add_credential(
        client_for(unassigned_volunteer),
        own_profile,
        upload("bomb.png", out.getvalue(), "image/png"),
    )
    assert "The image is too large (8900 by 8900 pixels)" in response.content.decode()
    assert not Credential.objects.exists()


def test_a_pdf_loses_page_metadata_and_the_exif_of_its_photos(
    unassigned_volunteer, own_profile, client_for
):
    from pypdf.generic import NameObject, StreamObject

    photo = jpeg_with_exif()
    scan = io.BytesIO()
    Image.open(io.BytesIO(photo)).save(scan, "PDF")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(scan.getvalue())))
    page = writer.pages[0]
    for ref in page["/Resources"]["/XObject"].values():
        ref.get_object()._data = photo  # the original JPEG, EXIF and all
    xmp = StreamObject()
    xmp._data = b"<x:xmpmeta>Hidden Authorname</x:xmpmeta>"
    page[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    assert b"Hidden Photographer" in out.getvalue() and b"Hidden Authorname" in out.getvalue()

    client = client_for(unassigned_volunteer)
    add_credential(client, own_profile, upload("scan.pdf", out.getvalue(), "application/pdf"))
    credential = Credential.objects.get()
    content = client.get(reverse("volunteers:certificate", args=[credential.pk])).content
    assert b"Hidden Photographer" not in content
    assert b"Hidden Authorname" not in content
    assert len(PdfReader(io.BytesIO(content)).pages[0].images) == 1, "the scan is still there"


def test_a_pdf_keeps_no_thumbnail_attachment_or_script_not_even_unreferenced(
    unassigned_volunteer, own_profile, client_for
):
    """The cleaner used to drop the links to a page's /Thumb and an attachment but still
    wrote the objects: the thumbnail's EXIF GPS and the attached file's bytes stayed."""
    from tests.evidence import samples

    hostile = samples.hostile_pdf()
    assert samples.GPS_MARK in hostile and samples.EMBEDDED_MARK in hostile
    client = client_for(unassigned_volunteer)
    add_credential(client, own_profile, upload("cert.pdf", hostile, "application/pdf"))
    credential = Credential.objects.get()
    content = client.get(reverse("volunteers:certificate", args=[credential.pk])).content
    for secret in (samples.GPS_MARK, samples.EMBEDDED_MARK, samples.XMP_MARK, b"JS-SECRET"):
        assert secret not in content
    for key in (b"/Thumb", b"/EmbeddedFile", b"/Annots", b"/OpenAction", b"/JavaScript"):
        assert key not in content
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1 and len(reader.pages[0].images) == 1
