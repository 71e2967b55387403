"""An attorney on a phone adds evidence to a matter: a photo from the phone (HEIC), a Word
file refused with what to do, the photo listed, downloaded as a JPEG and removed; all with
the keyboard's and the phone's own controls."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Matter
from tests.browser.conftest import PHONE, sign_in
from tests.evidence import samples

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ATTORNEY = "attorney@harbor.example"


@pytest.fixture
def evidence_folder(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence")},
        },
    }


def test_an_attorney_adds_a_phone_photo_to_a_matter_on_a_phone(
    open_context, live_server, demo, evidence_folder, tmp_path
):
    page = open_context(**PHONE, accept_downloads=True)
    base = live_server.url
    matter = Matter.objects.filter(lead_attorney__email=ATTORNEY).order_by("pk").first()
    sign_in(page, base, ATTORNEY, demo)
    page.goto(base + reverse("cases:detail", args=[matter.pk]))

    evidence = page.get_by_role("region", name="Evidence")
    expect(evidence).to_contain_text("No evidence files yet.")
    word = tmp_path / "statement.docx"
    word.write_bytes(samples.word_docx())
    evidence.get_by_label("Kind").select_option(label="Evidence of trafficking")
    evidence.get_by_label("Description").fill("Messages from the employer")
    evidence.get_by_label("File", exact=True).set_input_files(str(word))
    evidence.get_by_role("button", name="Upload").click()

    evidence = page.get_by_role("region", name="Evidence")
    expect(evidence).to_contain_text("Word documents cannot be uploaded")
    expect(evidence.get_by_label("Description")).to_have_value("Messages from the employer")

    photo = tmp_path / "IMG_0042.HEIC"
    photo.write_bytes(samples.heic_photo((120, 90)))
    evidence.get_by_label("File", exact=True).set_input_files(str(photo))
    evidence.get_by_role("button", name="Upload").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("checked, cleaned and saved")
    row = page.get_by_role("row").filter(has_text="Messages from the employer")
    expect(row).to_contain_text("Evidence of trafficking")

    with page.expect_download() as download:
        row.get_by_role("link", name="Download").click()
    saved = download.value.path()
    # Named by number, kind and day: the uploaded name may be a person's.
    name = download.value.suggested_filename
    assert re.fullmatch(r"evidence-\d+-[a-z-]+-\d{4}-\d{2}-\d{2}\.jpg", name), name
    assert "IMG_0042" not in name
    content = saved.read_bytes()
    assert content.startswith(b"\xff\xd8\xff") and samples.GPS_MARK not in content

    # Nothing wider than the phone: the table scrolls inside its own box.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    row.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("region", name="Evidence")).to_contain_text("No evidence files yet.")
