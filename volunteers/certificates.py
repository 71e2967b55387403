"""Training certificates: checked by content (not by name or browser-sent type), limited
in size, and rewritten without metadata before they are encrypted and stored.

A certificate may carry the author's name, a device, GPS coordinates (photos) or a
document history (PDFs); none of it is kept. Images are re-encoded from their pixels;
PDFs are rebuilt from their pages alone, dropping document info, XMP, JavaScript,
attachments and forms.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 20
MAX_IMAGE_PIXELS = 16_000_000  # a letter page at 300 dpi is 8.4 million


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
        for page in reader.pages:  # pages only: no document JavaScript, attachments, forms
            writer.add_page(page)
        writer.metadata = None  # no /Info dictionary at all: no author, producer or dates
        for page in writer.pages:
            _scrub(page, seen=set())
            for image in page.images:
                # Re-encoded from its pixels: an embedded photo keeps no EXIF or GPS.
                image.replace(_pixels_only(image.image), quality=90)
        # What the scrub unlinked would still be written: drop every unreferenced object.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError) as error:
        raise ValidationError(_("The PDF could not be read. Save it again and retry.")) from error
    return out.getvalue()


# What a page or an image may carry that says who made it, where, or with what.
_CARRIERS = ("/Metadata", "/PieceInfo", "/LastModified", "/Annots", "/AA")


def _scrub(node, *, seen: set) -> None:
    """Drop metadata carriers from a page and, through its resources, every form and image."""
    from pypdf.generic import DictionaryObject, IndirectObject

    if isinstance(node, IndirectObject):
        if node.idnum in seen:
            return
        seen.add(node.idnum)
        node = node.get_object()
    if not isinstance(node, DictionaryObject):
        return
    for key in _CARRIERS:
        if key in node:
            del node[key]
    resources = node.get("/Resources")
    if resources is not None:
        xobjects = resources.get_object().get("/XObject")
        if xobjects is not None:
            for ref in xobjects.get_object().values():
                _scrub(ref, seen=seen)


def _pixels_only(image):
    """A new image from the raw pixels: no EXIF, XMP, ICC text chunks or comments."""
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    from PIL import Image

    return Image.frombytes(image.mode, image.size, image.tobytes())


def _image_without_metadata(data: bytes, fmt: str) -> bytes:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; a bomb is refused, not decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size  # read from the header, nothing decoded yet
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValidationError(
                        _("The image is too large (%(w)s by %(h)s pixels). Scan it at 300 dpi.")
                        % {"w": width, "h": height}
                    )
                image.load()
                pixels = _pixels_only(ImageOps.exif_transpose(image))
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise ValidationError(_("The image could not be read. Save it again and retry.")) from error
    out = io.BytesIO()
    if fmt == "JPEG":
        pixels.convert("RGB").save(out, "JPEG", quality=90)
    else:
        pixels.save(out, "PNG")
    return out.getvalue()
