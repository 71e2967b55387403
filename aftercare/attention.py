"""What needs a coordinator's attention: each feature app adds its own kinds of item, so
the core never imports a feature app (as with dashboard panels).

An item names a record by its number or reference and links to it; it never carries a
survivor's personal data, so the list can be read over a shoulder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from aftercare.models import Membership

# Each kind shows this many items at most; the page says when there are more.
SHOWN = 50


@dataclass(frozen=True)
class Item:
    what: str
    link: str
    # The date that makes it urgent, with its meaning ("due", "sent", "last activity").
    when: date
    when_label: str


@dataclass
class Group:
    """One kind of item: its heading, why it is listed, and the items, most urgent first."""

    heading: str
    why: str
    items: list[Item] = field(default_factory=list)
    more: bool = False


AttentionSource = Callable[[Membership, date], Group | None]
_sources: list[AttentionSource] = []


def register_attention(source: AttentionSource) -> AttentionSource:
    """Register a function returning one group for the acting member (or None)."""
    if source not in _sources:
        _sources.append(source)
    return source


def attention_for(membership: Membership, today: date) -> list[Group]:
    """Every group, for a member who sees the whole organization; nothing for others."""
    if not membership.role_enum.sees_whole_organization:
        return []
    return [group for source in _sources if (group := source(membership, today)) is not None]


def group_of(heading: str, why: str, items: list[Item]) -> Group:
    """A group from up to SHOWN + 1 items: the extra one only says there are more."""
    return Group(heading=heading, why=why, items=items[:SHOWN], more=len(items) > SHOWN)


def days_before(today: date, days: int) -> datetime:
    """The start of the day `days` before `today`, in the current time zone."""
    return timezone.make_aware(datetime.combine(today - timedelta(days=days), time.min))
