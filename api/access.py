"""The API's side of the access door: fetch while checking, 404 and an audit event if not."""

from __future__ import annotations

from django.db import models
from rest_framework.exceptions import NotFound, PermissionDenied

from aftercare.audit import audit_record_by


def actor_of(request):
    """The actor the key authenticated (`api.authentication`): its service member."""
    return request._request.actor


def api_fetch(request, queryset: models.QuerySet, *, pk: int):
    """The object if the caller's service member may see it; else 404, audited as denied.

    The same rule as `aftercare.access.fetch_for_user`: the model's `visible_to`.
    """
    obj = queryset.visible_to(request.auth.membership).filter(pk=pk).first()
    if obj is None:
        api_deny(
            request,
            object_type=queryset.model._meta.label_lower,
            object_id=str(pk),
            not_found=True,
        )
    return obj


def api_deny(
    request,
    *,
    target=None,
    object_type="",
    object_id="",
    reason="",
    detail=None,
    not_found=False,
):
    """Record the refusal, then answer 404 (the object is not for you) or 403 (with why)."""
    payload = {"method": request.method}
    if reason:
        payload["reason"] = reason
    audit_record_by(
        actor_of(request),
        "aftercare.access.denied",
        target=target,
        object_type=object_type,
        object_id=object_id,
        payload=payload,
    )
    if not_found:
        raise NotFound
    raise PermissionDenied(detail)
