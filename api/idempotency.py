"""`Idempotency-Key` on every POST: a retried create answers what the first one did.

The key is claimed by inserting a row unique per (client, key) in the same transaction
as the create. On PostgreSQL the second of two concurrent requests waits on the unique
index until the first commits, then reads its answer: two requests, one object. The
same key with another body is refused (422): it would otherwise answer a request that
was never carried out. A refused request (4xx) gives its claim back, as the browser
forms do (`aftercare/idempotency.py`), keeping its audit event.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.models import IdempotencyKey

HEADER = "Idempotency-Key"
# A retry after this long is a new request: by then the first answer was long received.
KEPT_FOR = timedelta(days=2)

MISSING = _("Send an Idempotency-Key header (1 to 255 visible characters) with every POST.")
REUSED = _(
    "This Idempotency-Key was already used for a different request. Use a new key for "
    "a new request; send the same body to retry."
)


def _digest(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _key_of(request) -> str | None:
    key = request.headers.get(HEADER, "")
    if 1 <= len(key) <= 255 and key.isascii() and key.isprintable():
        return key
    return None


def _claim(client, key: str, digest: str) -> IdempotencyKey | None:
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(client=client, key=key, request_digest=digest)
    except IntegrityError:
        return None


def _answer_again(client, key: str, digest: str) -> Response:
    earlier = IdempotencyKey.objects.get(client=client, key=key)
    if earlier.request_digest != digest:
        return Response({"detail": str(REUSED)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    response = Response(earlier.response_body, status=earlier.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(method):
    """Wrap a POST handler of an APIView: at most one effect per client and key."""

    @wraps(method)
    def once(view, request, *args, **kwargs):
        key = _key_of(request)
        if key is None:
            return Response({"detail": str(MISSING)}, status=status.HTTP_400_BAD_REQUEST)
        client, digest = request.auth, _digest(request)
        with transaction.atomic():
            claim = _claim(client, key, digest)
            if claim is None:
                return _answer_again(client, key, digest)
            try:
                response = method(view, request, *args, **kwargs)
            except Exception as error:
                if connection.needs_rollback:
                    raise
                response = view.handle_exception(error)  # re-raises what it cannot answer
            if 200 <= response.status_code < 300:
                claim.status_code = response.status_code
                claim.response_body = json.loads(JSONRenderer().render(response.data) or "null")
                claim.save(update_fields=["status_code", "response_body"])
            else:
                claim.delete()
            return response

    return once


def idempotency_keys_forget(*, now=None) -> int:
    cutoff = (now or timezone.now()) - KEPT_FOR
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
