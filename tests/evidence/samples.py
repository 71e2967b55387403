"""Files as phones, scanners and attackers make them, built in memory for the tests."""

from __future__ import annotations

import io
import zlib

GPS_MARK = b"GPSMARK-40.7128N-74.0060W"
EMBEDDED_MARK = b"EMBEDDED-FILE-SECRET-BYTES-0042"
XMP_MARK = b"XMP-AUTHOR-SECRET-PERSON"
INFO_MARK = "INFO-AUTHOR-SECRET"


def exif_with_gps():
    """EXIF with a GPS position, a camera and a marker only the GPS block holds."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (40.0, 42.0, 46.08)
    gps[3] = "W"
    gps[4] = (74.0, 0.0, 21.6)
    gps[0x1B] = b"ASCII\0\0\0" + GPS_MARK  # GPSProcessingMethod
    return exif


def jpeg_photo(size=(64, 48), *, exif=True, orientation: int | None = None) -> bytes:
    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    info = exif_with_gps() if exif else Image.Exif()
    if orientation:
        info[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=info.tobytes(), quality=80)
    return out.getvalue()


def png_image(size=(40, 30), *, exif=True) -> bytes:
    from PIL import Image, PngImagePlugin

    image = Image.new("RGB", size, (10, 120, 200))
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "PNG-AUTHOR-SECRET")
    out = io.BytesIO()
    kwargs = {"exif": exif_with_gps().tobytes()} if exif else {}
    image.save(out, "PNG", pnginfo=text, **kwargs)
    return out.getvalue()


def heic_photo(size=(64, 48)) -> bytes:
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    image = Image.new("RGB", size, (30, 160, 60))
    out = io.BytesIO()
    image.save(out, "HEIF", exif=exif_with_gps().tobytes(), quality=80)
    return out.getvalue()


def png_bomb(width=60_000, height=60_000) -> bytes:
    """A small file whose header claims billions of pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    rows = zlib.compress(b"\0" * (width + 1) * 64, 9)  # a start; the rest would follow
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def word_docx() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


WORD_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024


def _stream(writer, data: bytes, entries: dict):
    from pypdf.generic import NameObject, StreamObject

    stream = StreamObject()
    stream._data = data
    for key, value in entries.items():
        stream[NameObject(key)] = value
    return writer._add_object(stream)


def hostile_pdf(pages: int = 1) -> bytes:
    """A PDF carrying what a cleaner must drop: a page thumbnail (/Thumb) and a drawn photo,
    both JPEGs with EXIF GPS; an embedded file, attached to the document and to a page
    annotation; XMP metadata; document info; JavaScript run on opening. Streams are not
    compressed, so each secret is in the file as plain bytes."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter()
    photo = jpeg_photo((32, 24))
    image_entries = {
        "/Type": NameObject("/XObject"),
        "/Subtype": NameObject("/Image"),
        "/Width": NumberObject(32),
        "/Height": NumberObject(24),
        "/ColorSpace": NameObject("/DeviceRGB"),
        "/BitsPerComponent": NumberObject(8),
        "/Filter": NameObject("/DCTDecode"),
    }
    for _ in range(pages):
        page = writer.add_blank_page(200, 200)
        image = _stream(writer, photo, image_entries)
        thumb = _stream(writer, photo, image_entries)
        content = _stream(writer, b"q 100 0 0 75 50 50 cm /Im0 Do Q", {})
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): image})}
        )
        page[NameObject("/Contents")] = content
        page[NameObject("/Thumb")] = thumb
        page[NameObject("/Metadata")] = _stream(
            writer, b"<x:xmpmeta>" + XMP_MARK + b"</x:xmpmeta>", {"/Type": NameObject("/Metadata")}
        )
        embedded = _stream(writer, EMBEDDED_MARK, {"/Type": NameObject("/EmbeddedFile")})
        spec = writer._add_object(
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Filespec"),
                    NameObject("/F"): TextStringObject("secret.txt"),
                    NameObject("/EF"): DictionaryObject({NameObject("/F"): embedded}),
                }
            )
        )
        annotation = writer._add_object(
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Annot"),
                    NameObject("/Subtype"): NameObject("/FileAttachment"),
                    NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 20, 20)]),
                    NameObject("/FS"): spec,
                }
            )
        )
        page[NameObject("/Annots")] = ArrayObject([annotation])
    writer.add_attachment("attached.txt", EMBEDDED_MARK + b"-document")
    from pypdf.actions import JavaScript

    writer.add_open_action(JavaScript("app.alert('JS-SECRET-ACTION');"))
    writer.add_metadata({"/Author": INFO_MARK})
    writer._root_object[NameObject("/Metadata")] = _stream(
        writer, b"<x:xmpmeta>" + XMP_MARK + b"</x:xmpmeta>", {"/Type": NameObject("/Metadata")}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def simple_pdf(pages: int = 2) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_huge_images(count: int = 20, side: int = 20_000) -> bytes:
    """Small on disk, huge to draw: images of side x side pixels of one colour."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, NumberObject

    writer = PdfWriter()
    pixels = zlib.compress(b"\0" * (side * 3) * 8, 9)  # the first rows; enough to look real
    for _ in range(count):
        page = writer.add_blank_page(200, 200)
        image = _stream(
            writer,
            pixels,
            {
                "/Type": NameObject("/XObject"),
                "/Subtype": NameObject("/Image"),
                "/Width": NumberObject(side),
                "/Height": NumberObject(side),
                "/ColorSpace": NameObject("/DeviceRGB"),
                "/BitsPerComponent": NumberObject(8),
                "/Filter": NameObject("/FlateDecode"),
            },
        )
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): image})}
        )
        page[NameObject("/Contents")] = _stream(writer, b"q 200 0 0 200 0 0 cm /Im0 Do Q", {})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
