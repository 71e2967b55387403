"""Training certificates: checked by content (not by name or browser-sent type), limited
in size, and rewritten without metadata before they are encrypted and stored.

A certificate may carry the author's name, a device, GPS coordinates (photos) or a
document history (PDFs); none of it is kept. Images are re-encoded from their pixels;
PDFs are rebuilt from their pages alone, dropping document info, XMP, JavaScript,
attachments and forms.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 20
MAX_IMAGE_PIXELS = 40_000_000


@dataclass(frozen=True)
class CleanCertificate:
    content: bytes
    content_type: str
    extension: str


def certificate_clean(upload: UploadedFile) -> CleanCertificate:
    """The certificate's content without metadata, or a ValidationError saying why not."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB. Scan it at a lower resolution or as a PDF.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    data = upload.read(MAX_BYTES + 1)
    if data.startswith(b"%PDF-"):
        return CleanCertificate(_pdf_without_metadata(data), "application/pdf", "pdf")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return CleanCertificate(_image_without_metadata(data, "PNG"), "image/png", "png")
    if data.startswith(b"\xff\xd8\xff"):
        return CleanCertificate(_image_without_metadata(data, "JPEG"), "image/jpeg", "jpg")
    raise ValidationError(_("Upload a PDF, PNG or JPEG file."))


def _pdf_without_metadata(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("The PDF is password-protected. Upload one without a password.")
            )
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ValidationError(
                _("A certificate has at most %(n)s pages.") % {"n": MAX_PDF_PAGES}
            )
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        for page in writer.pages:  # links and form widgets can carry scripts or addresses
            for key in ("/Annots", "/AA"):
                if key in page:
                    del page[key]
        writer.metadata = None  # no /Info dictionary at all: no author, producer or dates
        out = io.BytesIO()
        writer.write(out)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise ValidationError(_("The PDF could not be read. Save it again and retry.")) from error
    return out.getvalue()


def _image_without_metadata(data: bytes, fmt: str) -> bytes:
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)  # keep the orientation, lose the EXIF
            if upright.mode not in ("RGB", "RGBA", "L", "LA"):
                upright = upright.convert("RGBA")
            # A new image from the raw pixels: no EXIF, XMP, ICC text chunks or comments.
            pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(_("The image could not be read. Save it again and retry.")) from error
    out = io.BytesIO()
    if fmt == "JPEG":
        pixels.convert("RGB").save(out, "JPEG", quality=90)
    else:
        pixels.save(out, "PNG")
    return out.getvalue()
