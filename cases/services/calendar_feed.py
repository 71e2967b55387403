"""Per-person calendar feeds (iCalendar) with a secret, revocable token.

Entries carry the matter's number and the kind of date only: a calendar is synced to
phones and shared with assistants, so no survivor name and no matter kind go there, and
nothing anyone typed (a deadline's title or place may name a person, a shelter or a
court that gives the client away; they stay encrypted, on the matter's pages).

A date with a time is an event of TIMED_LENGTH in its own time zone, whose VTIMEZONE
the feed carries (Outlook and older clients do not know zone names on their own); a
date without one stays an all-day DATE event.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from icalendar import Calendar, Event

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.models import Membership
from cases.models import CalendarFeed, Deadline

# A deadline or hearing has a start time only; calendars want an end, and an hour is
# what a hearing on a master calendar or a filing window is booked as.
TIMED_LENGTH = timedelta(hours=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_issue(*, actor: Actor) -> str:
    """Create or replace the person's feed token for the organization they act for; the
    old address stops working at once."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(
            membership=actor.membership, defaults={"token_hash": _hash(token)}
        )
        audit_record_by(actor, "cases.calendar_feed.issued", target=actor.user)
    return token


def calendar_feed_revoke(*, actor: Actor) -> None:
    with transaction.atomic():
        CalendarFeed.objects.filter(membership=actor.membership).delete()
        audit_record_by(actor, "cases.calendar_feed.revoked", target=actor.user)


def calendar_feed_membership(token: str) -> Membership | None:
    """The membership a feed address belongs to, while the person and it are active."""
    feed = (
        CalendarFeed.objects.select_related("membership__user", "membership__organization")
        .filter(token_hash=_hash(token))
        .first()
    )
    if feed is None:
        return None
    membership = feed.membership
    active = membership.is_active and membership.organization.is_active
    return membership if active and membership.user.is_active else None


def _matters_still_held(membership: Membership) -> Q:
    """Rows of matters the member still has in this organization: all of them for those
    who see the whole organization, else those granted to them."""
    access = Q(matter__organization_id=membership.organization_id)
    if not membership.role_enum.sees_whole_organization:
        access &= Q(
            matter__user_grants__user_id=membership.user_id,
            matter__user_grants__permission__codename="view_matter",
        )
    return access


def calendar_feed_deadlines(membership: Membership):
    """The person's open deadlines and hearings in one organization, in matters they
    still have access to there."""
    user_id = membership.user_id
    access = _matters_still_held(membership)
    return (
        Deadline.objects.open()
        .filter(access, responsible__id=user_id, matter__closed_at__isnull=True)
        .distinct()
        .select_related("matter")
        .order_by("due_date")
    )


def calendar_feed_render(membership: Membership) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Aftercare//Deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Aftercare")
    timed_days: list[date] = []
    for deadline in calendar_feed_deadlines(membership):
        event = Event()
        event.add("uid", f"deadline-{deadline.pk}@aftercare")
        label = "Hearing" if deadline.kind == Deadline.Kind.HEARING else "Deadline"
        event.add("summary", f"{label} · {deadline.matter.number}")
        if deadline.due_time:
            start = datetime.combine(
                deadline.due_date, deadline.due_time, tzinfo=ZoneInfo(deadline.time_zone)
            )
            event.add("dtstart", start)
            event.add("dtend", start + TIMED_LENGTH)
            timed_days.append(deadline.due_date)
        else:
            _add_all_day(event, deadline.due_date)
        event.add("dtstamp", deadline.created_at)
        event.add("url", f"{settings.AFTERCARE_BASE_URL}/matters/{deadline.matter_id}/")
        calendar.add_component(event)
    for task in calendar_feed_tasks(membership):
        event = Event()
        event.add("uid", f"task-{task.pk}@aftercare")
        # Never the task's text: it is typed, and a calendar leaves the system.
        event.add("summary", f"Task · {task.matter.number}")
        _add_all_day(event, task.due_date)
        event.add("dtstamp", task.created_at)
        event.add("url", f"{settings.AFTERCARE_BASE_URL}/matters/{task.matter_id}/#tasks")
        calendar.add_component(event)
    if timed_days:
        # Transitions for the span the events cover only, not 1970-2038 for every zone.
        calendar.add_missing_timezones(
            first_date=min(timed_days) - timedelta(days=366),
            last_date=max(timed_days) + timedelta(days=366),
        )
    return calendar.to_ical()


def _add_all_day(event: Event, day: date) -> None:
    """A whole day: DATE values, the end being the next day (exclusive, RFC 5545)."""
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))


def calendar_feed_tasks(membership: Membership):
    """The person's open tasks in one organization, on open matters they still have."""
    from cases.models import Task

    user_id = membership.user_id
    access = _matters_still_held(membership)
    return (
        Task.objects.open()
        .filter(access, assignee_id=user_id, matter__closed_at__isnull=True)
        .distinct()
        .select_related("matter")
        .only("id", "due_date", "created_at", "matter__id", "matter__number")
        .order_by("due_date", "id")
    )
