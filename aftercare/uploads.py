"""Uploads are held in memory up to a cap, and a body over it is refused unread.

Django's default handlers spool a file over 2.5 MB to a temporary file in plain text:
an identity document or a medical report would sit unencrypted in /tmp. Here:

- `RequestSizeLimitMiddleware` refuses a request whose Content-Length is over the cap
  (plus room for the form's other fields) before anything reads its body: 413, with a
  page that says what to do.
- `CappedMemoryUploadHandler` (the only upload handler, FILE_UPLOAD_HANDLERS) keeps each
  file in memory while it is under the cap; past it, it stops keeping the bytes and
  hands the form an empty file of the size that was sent, which the form refuses
  (`aftercare.cleaning.size_check`). Nothing is ever written to disk.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

# What a form's other fields and the multipart framing may add to the file.
FORM_ALLOWANCE = 256 * 1024


def upload_cap() -> int:
    return settings.UPLOAD_MAX_BYTES


class CappedMemoryUploadHandler(FileUploadHandler):
    """Each uploaded file in memory, never more than the cap of it."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.buffer: io.BytesIO | None = io.BytesIO()
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.buffer is not None and self.received <= upload_cap():
            self.buffer.write(raw_data)
        else:
            self.buffer = None  # over the cap: the rest is read and dropped

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        content = self.buffer if self.buffer is not None else io.BytesIO()
        content.seek(0)
        return InMemoryUploadedFile(
            file=content,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,  # the size sent: over the cap, the form says so
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


class RequestSizeLimitMiddleware:
    """413 for a body announced over the cap, before the body is read (and before the
    CSRF check, which would read it)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > upload_cap() + FORM_ALLOWANCE:
            html = render_to_string(
                "413.html",
                {"mb": upload_cap() // (1024 * 1024), "back": _same_site_referer(request)},
                request=request,
            )
            return HttpResponse(html, status=413)
        return self.get_response(request)


def _same_site_referer(request: HttpRequest) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    referer = request.META.get("HTTP_REFERER", "")
    allowed = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if allowed else ""
