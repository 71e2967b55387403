"""Training certificates: checked by content (not by name or browser-sent type), limited
in size, and rewritten without metadata before they are encrypted and stored.

A certificate may carry the author's name, a device, GPS coordinates (photos) or a
document history (PDFs); none of it is kept. The cleaning is every upload's
(`aftercare.cleaning`), run in a limited child process: images are re-encoded from their
pixels, PDFs rebuilt from their pages alone (no thumbnails, XMP, attachments, forms or
actions, not even as unreferenced objects).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from aftercare.cleaning import CERTIFICATE, clean_limited, size_check

MAX_BYTES = settings.UPLOAD_MAX_BYTES  # the form's help text says it


@dataclass(frozen=True)
class CleanCertificate:
    content: bytes
    content_type: str
    extension: str


def certificate_clean(upload: UploadedFile) -> CleanCertificate:
    """The certificate's content without metadata, or a ValidationError saying why not.

    An upload over the limit was never read into memory (`aftercare.uploads`): its size
    is refused before anything else.
    """
    size_check(upload.size or 0, limits=CERTIFICATE)
    cleaned = clean_limited(upload.read(CERTIFICATE.max_bytes + 1), limits=CERTIFICATE)
    return CleanCertificate(cleaned.content, cleaned.content_type, cleaned.extension)
