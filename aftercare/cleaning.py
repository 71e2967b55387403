"""Uploaded files: recognised by their content, rewritten without what they hide.

One cleaner for every upload (evidence files, volunteers' certificates). A file is known
by its first bytes and then by parsing it, never by its name or the type the browser
claims. What is kept is only what a reader sees:

- Photos (JPEG, PNG, HEIC from phones) are decoded and re-encoded from their pixels,
  turned upright first: no EXIF (GPS, camera, time), XMP, ICC text or comments. HEIC
  becomes JPEG, which every viewer and court system opens.
- PDFs are rebuilt from their pages alone. A page keeps only what draws it (its boxes,
  rotation, resources and content); everything else goes before the page is copied, so
  nothing of it is written, not even as an unreferenced object: thumbnails (/Thumb),
  XMP (/Metadata), annotations (links, attachments, forms, actions), the document's
  info, outline, JavaScript, open action and embedded files. Photos inside keep their
  compressed pixels but lose every JPEG metadata segment (EXIF, XMP, comments).
- Word documents are refused with what to do instead.

`clean_limited` runs the work in a limited child process (`aftercare.sandbox`): a file
built to cost time or memory is refused in bounded time, with a message that says so.
"""

from __future__ import annotations

import io
import math
import warnings
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from aftercare.sandbox import Refusal, SandboxError, run_limited

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one kind of upload may be; its size, the upload cap (UPLOAD_MAX_BYTES)."""

    max_pages: int
    max_image_pixels: int  # one photo, or one image in a PDF
    max_pdf_pixels: int  # every image of a PDF together

    @property
    def max_bytes(self) -> int:
        # Read when used: the cap the upload handler kept the file under.
        return settings.UPLOAD_MAX_BYTES


# Phones save 12 or 24 megapixels by default (48 only when asked); a letter page scanned
# at 300 dpi is 8.4. Past 25 million pixels a photo would not be cleaned within the
# web worker's time (benchmarks/evidence_upload.py): it is refused at once, saying so.
EVIDENCE = Limits(
    max_pages=300,
    max_image_pixels=25_000_000,
    max_pdf_pixels=400_000_000,
)
CERTIFICATE = Limits(
    max_pages=20,
    max_image_pixels=16_000_000,
    max_pdf_pixels=160_000_000,
)


@dataclass(frozen=True)
class Cleaned:
    content: bytes
    content_type: str
    extension: str
    pages: int


# --- What the file is -------------------------------------------------------------------

PDF, PNG, JPEG, HEIC, WORD = "pdf", "png", "jpeg", "heic", "word"
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc (and other old Office files)


def sniff(data: bytes) -> str | None:
    """The kind of file by its first bytes (a ZIP by its entries), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return HEIC
    if data.startswith((_OLE2, b"{\\rtf")) or _is_word_zip(data):
        return WORD
    return None


def _is_word_zip(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:  # the central directory only: nothing is decompressed
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return any(n.startswith("word/") for n in names) or "content.xml" in names


# --- The messages, in the reader's language ---------------------------------------------


def refusal_message(refusal: Refusal) -> str:
    """What the person who uploaded reads, and what to do."""
    p = refusal.params
    messages = {
        "too_large": lambda: (
            _(
                "The file is larger than %(mb)s MB. Scan or photograph it at a lower "
                "resolution, or split it, and upload it again."
            )
            % {"mb": p.get("mb")}
        ),
        "empty": lambda: _("The file is empty. Choose the file again."),
        "word": lambda: _(
            "Word documents cannot be uploaded. Open it in Word, choose File, Save As, "
            "PDF, and upload the PDF."
        ),
        "unknown": lambda: _("Upload a PDF, or a photo in JPEG, PNG or HEIC format."),
        "pdf_encrypted": lambda: _(
            "The PDF is password-protected. Save a copy without a password and upload that."
        ),
        "pdf_pages": lambda: (
            _("The PDF has %(pages)s pages; at most %(n)s can be uploaded.")
            % {"pages": p.get("pages"), "n": p.get("n")}
        ),
        "pdf_unreadable": lambda: _(
            "The PDF could not be read. Open it, save or print it again as PDF, and retry."
        ),
        "pdf_images": lambda: _(
            "The PDF holds images too large to be read safely. Scan it again at 300 dpi "
            "and upload that."
        ),
        "image_pixels": lambda: (
            _(
                "The image is too large (%(w)s by %(h)s pixels). Take it again at a lower "
                "resolution, or scan it at 300 dpi."
            )
            % {"w": p.get("w"), "h": p.get("h")}
        ),
        "image_unreadable": lambda: _("The image could not be read. Save it again and retry."),
        "too_complex": lambda: _(
            "The file could not be checked in the time allowed: it is too complex or "
            "damaged. Save or scan it again, as a simpler PDF or a photo, and retry."
        ),
    }
    return messages.get(refusal.code, messages["unknown"])()


# --- Cleaning, in a limited child -------------------------------------------------------


def size_check(size: int, *, limits: Limits) -> None:
    """Refuse an empty file, or one over the limit (whose bytes were never kept)."""
    if not size:
        raise ValidationError(refusal_message(Refusal("empty")))
    if size > limits.max_bytes:
        raise ValidationError(
            refusal_message(Refusal("too_large", {"mb": limits.max_bytes // MEGABYTE}))
        )


def clean_limited(data: bytes, *, limits: Limits) -> Cleaned:
    """The file without metadata, checked and cleaned in a limited child process.

    Raises ValidationError with a message that says what to do. The web worker spends
    at most `UPLOAD_CLEAN_SECONDS` on it, however the file was built.
    """
    size_check(len(data), limits=limits)
    # Known by its first bytes here too, so that a Word document or a stranger file is
    # refused without a process.
    kind = sniff(data)
    if kind in (None, WORD):
        raise ValidationError(refusal_message(Refusal("unknown" if kind is None else "word")))
    _preload()
    seconds = settings.UPLOAD_CLEAN_SECONDS
    try:
        return run_limited(
            clean, data, limits=limits, timeout=seconds, cpu_seconds=max(1, math.ceil(seconds))
        )
    except Refusal as refusal:
        raise ValidationError(refusal_message(refusal)) from None
    except SandboxError:
        raise ValidationError(refusal_message(Refusal("too_complex"))) from None


def _preload() -> None:
    """Import the parsers before the fork: a child of a threaded web worker must not
    take the import lock, which another thread may have held when it was forked."""
    import pillow_heif  # noqa: F401
    import pypdf  # noqa: F401
    from PIL import Image, ImageOps  # noqa: F401


def clean(data: bytes, *, limits: Limits) -> Cleaned:
    """Check and clean in this process (the limited child's work); raise `Refusal`."""
    kind = sniff(data)
    if kind == PDF:
        content, pages = pdf_without_metadata(data, limits=limits)
        return Cleaned(content, "application/pdf", "pdf", pages)
    if kind == PNG:
        return Cleaned(image_without_metadata(data, "PNG", limits=limits), "image/png", "png", 1)
    if kind in (JPEG, HEIC):
        content = image_without_metadata(data, "JPEG", limits=limits)
        return Cleaned(content, "image/jpeg", "jpg", 1)
    raise Refusal("word" if kind == WORD else "unknown")


# --- Photos -------------------------------------------------------------------------------


def _pixels_only(image):
    """A new image from the raw pixels: no EXIF, XMP, ICC text chunks or comments."""
    from PIL import Image

    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def image_without_metadata(data: bytes, fmt: str, *, limits: Limits) -> bytes:
    from PIL import Image, ImageOps, UnidentifiedImageError

    if data[4:8] == b"ftyp":
        import pillow_heif

        pillow_heif.register_heif_opener()
    # Our own limit, checked from the header below (Pillow's would refuse a bomb with no
    # word of its size); restored after, for whoever else uses Pillow in this process.
    pillow_limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size  # read from the header, nothing decoded yet
                if width * height > limits.max_image_pixels:
                    raise Refusal("image_pixels", {"w": width, "h": height})
                image.load()
                pixels = _pixels_only(ImageOps.exif_transpose(image))
    except Refusal:
        raise
    except MemoryError:
        raise Refusal("too_complex") from None
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise Refusal("image_unreadable") from None
    finally:
        Image.MAX_IMAGE_PIXELS = pillow_limit
    out = io.BytesIO()
    if fmt == "JPEG":
        pixels.convert("RGB").save(out, "JPEG", quality=90)
    else:
        pixels.save(out, "PNG")
    return out.getvalue()


# --- JPEG streams inside PDFs ---------------------------------------------------------------

_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # markers without a length
_ADOBE = 0xEE  # APP14: how the colours are stored; needed to draw CMYK photos right


def jpeg_without_metadata(data: bytes) -> bytes:
    """The same compressed photo without APP0-APP15 (but Adobe's) and comment segments:
    no EXIF, GPS, XMP, thumbnails or ICC; the pixels are not decoded, nothing is lost.
    Whatever follows the last end-of-image marker goes too."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG stream")
    out, i = bytearray(b"\xff\xd8"), 2
    while i < len(data):
        if data[i] != 0xFF:
            raise ValueError("damaged JPEG stream")
        while i < len(data) and data[i] == 0xFF:  # fill bytes
            i += 1
        marker = data[i]
        i += 1
        if marker == 0xDA:  # start of scan: the compressed pixels, to the end of image
            end = data.rfind(b"\xff\xd9")
            out += b"\xff\xda" + data[i : end + 2 if end >= i else len(data)]
            return bytes(out)
        if marker in _STANDALONE:
            out += bytes((0xFF, marker))
            continue
        length = int.from_bytes(data[i : i + 2], "big")
        segment = data[i : i + length]
        i += length
        if (0xE0 <= marker <= 0xEF and marker != _ADOBE) or marker == 0xFE:
            continue
        out += bytes((0xFF, marker)) + segment
    raise ValueError("JPEG stream without a scan")


# --- PDFs -------------------------------------------------------------------------------------

# What draws a page; nothing else of a page is copied.
_PAGE_KEYS = {
    "/Type",
    "/Parent",  # replaced by the new page tree (pypdf excludes it when copying)
    "/MediaBox",
    "/CropBox",
    "/BleedBox",
    "/TrimBox",
    "/ArtBox",
    "/Rotate",
    "/UserUnit",
    "/Group",
    "/Resources",
    "/Contents",
}
# Found anywhere under a page's resources, these say who made it, where, with what, or
# act: they go wherever they are.
_CARRIERS = {
    "/Metadata",
    "/PieceInfo",
    "/LastModified",
    "/OPI",
    "/Alternates",
    "/Ref",
    "/Thumb",
    "/Annots",
    "/AA",
    "/A",
    "/JS",
    "/JavaScript",
    "/EF",
    "/EmbeddedFiles",
    "/FS",
    "/URI",
    "/StructParent",
    "/StructParents",
}


def pdf_without_metadata(data: bytes, *, limits: Limits) -> tuple[bytes, int]:
    """The PDF rebuilt from its pages alone, and its number of pages."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Refusal("pdf_encrypted")
        count = len(reader.pages)
        if count == 0:
            raise Refusal("pdf_unreadable")
        if count > limits.max_pages:
            raise Refusal("pdf_pages", {"pages": count, "n": limits.max_pages})
        seen: set = set()
        pixels = [0]
        writer = PdfWriter()
        for page in reader.pages:
            # Emptied before it is copied: what a copy never took, the file never holds.
            for key in [k for k in page if k not in _PAGE_KEYS]:
                del page[key]
            resources = page.get("/Resources")
            if resources is not None:
                _scrub(resources, seen=seen, pixels=pixels, limits=limits)
            writer.add_page(page)
        writer.metadata = None  # no /Info at all: no author, producer or dates
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
    except Refusal:
        raise
    except MemoryError:
        raise Refusal("too_complex") from None
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError, RecursionError):
        raise Refusal("pdf_unreadable") from None
    return out.getvalue(), count


def _scrub(node, *, seen: set, pixels: list[int], limits: Limits) -> None:
    """Drop metadata carriers everywhere under a page's resources; strip the photos' JPEG
    metadata; count the images' pixels and refuse when they are too many to draw."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    if isinstance(node, IndirectObject):
        if node.idnum in seen:
            return
        seen.add(node.idnum)
        node = node.get_object()
    if isinstance(node, ArrayObject):
        for item in node:
            _scrub(item, seen=seen, pixels=pixels, limits=limits)
        return
    if not isinstance(node, DictionaryObject):
        return
    for key in [k for k in node if k in _CARRIERS]:
        del node[key]
    if isinstance(node, StreamObject) and node.get("/Subtype") == "/Image":
        _image_check(node, pixels=pixels, limits=limits)
    for key, value in list(node.items()):
        if key != "/Parent":
            _scrub(value, seen=seen, pixels=pixels, limits=limits)


def _image_check(stream, *, pixels: list[int], limits: Limits) -> None:
    from pypdf.generic import NameObject, NumberObject

    width, height = int(stream.get("/Width", 0)), int(stream.get("/Height", 0))
    if width < 0 or height < 0 or width * height > limits.max_image_pixels:
        raise Refusal("pdf_images")
    pixels[0] += width * height
    if pixels[0] > limits.max_pdf_pixels:
        raise Refusal("pdf_images")
    filters = stream.get("/Filter")
    names = [filters] if isinstance(filters, str) else list(filters or [])
    if names == ["/DCTDecode"]:
        stream._data = jpeg_without_metadata(stream._data)
        stream[NameObject("/Length")] = NumberObject(len(stream._data))
    elif "/DCTDecode" in names:
        # A photo behind another filter is rare; re-encoding it would be the only safe
        # way, so the file is refused rather than kept with what the photo hides.
        raise Refusal("pdf_unreadable")
