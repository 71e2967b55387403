"""An organization's grants, and which grant a matter or an hour of work is charged to.

Admins define grants (each change commits with its audit event). A matter or a time
entry carries a grant chosen on its form, or `BY_RULES`: a matter opened in a grant's
period, of a kind the grant covers, takes that grant when exactly one fits; hours take
their matter's grant when their date is in its period and their activity counts.
Chosen by hand, a grant must be the organization's, and hours must fall in its period.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from cases.models import Grant, Matter

BY_RULES = "rules"  # the grant the rules give, rather than one chosen
GRANT_EDITABLE = ("funder", "code", "name", "starts_on", "ends_on", "matter_kinds", "activities")
CODE_TAKEN = _("Another grant of the organization has this code.")


def _admin_only(actor: Actor) -> None:
    if actor.role is None or not actor.role.manages_members:
        raise PermissionDenied


def _check(data: dict) -> None:
    if data["ends_on"] < data["starts_on"]:
        raise ValidationError({"ends_on": _("The period ends after it starts.")})


def grant_create(*, actor: Actor, data: dict) -> Grant:
    """A new grant; its code is unique in the organization (the database holds it too)."""
    _admin_only(actor)
    data = {name: data[name] for name in GRANT_EDITABLE}
    _check(data)
    try:
        with transaction.atomic():
            grant = Grant.objects.create(organization_id=actor.organization_id, **data)
            audit_record_by(
                actor, "cases.grant.created", target=grant, payload={"code": grant.code}
            )
    except IntegrityError as clash:
        raise ValidationError({"code": CODE_TAKEN}) from clash
    return grant


def grant_update(*, actor: Actor, grant: Grant, data: dict) -> list[str]:
    """Change a grant; matters and hours that carry it keep it. Returns the fields changed."""
    _admin_only(actor)
    if grant.organization_id != actor.organization_id:
        raise PermissionDenied
    data = {name: data[name] for name in GRANT_EDITABLE}
    _check(data)
    changed = sorted(name for name, value in data.items() if getattr(grant, name) != value)
    if not changed:
        return []
    try:
        with transaction.atomic():
            for name in changed:
                setattr(grant, name, data[name])
            grant.save(update_fields=changed)
            audit_record_by(actor, "cases.grant.edited", target=grant, payload={"fields": changed})
    except IntegrityError as clash:
        grant.refresh_from_db()
        raise ValidationError({"code": CODE_TAKEN}) from clash
    return changed


def grant_for_matter(*, organization_id: int, kind: str, opened_on: datetime.date) -> Grant | None:
    """The one grant of the organization covering this kind on this day, else None."""
    fitting = [
        grant
        for grant in Grant.objects.filter(
            organization_id=organization_id, starts_on__lte=opened_on, ends_on__gte=opened_on
        )
        if grant.covers_matter(kind, opened_on)
    ]
    return fitting[0] if len(fitting) == 1 else None


def grant_for_hours(*, matter: Matter, date: datetime.date, activity: str) -> Grant | None:
    """The matter's grant, when the work's date is in its period and its activity counts."""
    grant = matter.grant
    if grant is not None and grant.counts_hours(activity, date):
        return grant
    return None


def grant_check_chosen(*, grant: Grant | None, organization_id: int, date=None) -> None:
    """Refuse a grant of another organization, or hours outside the grant's period."""
    if grant is None:
        return
    if grant.organization_id != organization_id:
        raise ValidationError({"grant": _("Choose a grant of this organization.")})
    if date is not None and not grant.runs_on(date):
        raise ValidationError(
            {
                "grant": _(
                    "Grant %(code)s runs from %(start)s to %(end)s: work on another day "
                    "cannot be charged to it."
                )
                % {
                    "code": grant.code,
                    "start": date_format(grant.starts_on, "DATE_FORMAT"),
                    "end": date_format(grant.ends_on, "DATE_FORMAT"),
                }
            }
        )
