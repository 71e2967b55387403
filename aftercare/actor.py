"""Who is acting: a small value built once at the edge and passed to services.

Services take an `Actor`, never the request, so that the same service runs from a
view, a Celery task, a management command or (later) the API, and writes the same
audit event. The actor carries the person, the membership (and so the organization
and role) they act under, where the request came from, and the channel.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.http import HttpRequest


class Channel(models.TextChoices):
    WEB = "web", "web"
    WORKER = "worker", "worker"
    COMMAND = "command", "command"
    API = "api", "api"


@dataclass(frozen=True)
class Actor:
    """A person acting for one organization, or the system (no user) in a job."""

    user: object | None
    membership: object | None
    ip_address: str | None = None
    channel: str = Channel.WEB

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        from axes.helpers import get_client_ip_address

        user = getattr(request, "user", None)
        return cls(
            user=user if user is not None and user.is_authenticated else None,
            membership=getattr(request, "membership", None),
            ip_address=get_client_ip_address(request),
            channel=Channel.WEB,
        )

    @classmethod
    def in_organization(cls, *, user, organization_id: int, channel: str) -> Actor:
        """A person acting for an organization outside a request (a task, a command).

        Their membership is looked up as it is now: a member who left since the work
        was queued acts for nobody, and every door then fails closed.
        """
        from aftercare.models import Membership

        membership = (
            Membership.objects.active()
            .select_related("organization", "user")
            .filter(user=user, organization_id=organization_id)
            .first()
            if user is not None
            else None
        )
        return cls(user=user, membership=membership, channel=channel)

    @classmethod
    def system(cls, *, channel: str = Channel.WORKER) -> Actor:
        """The application itself (retention, sweeps): no person, no organization."""
        return cls(user=None, membership=None, channel=channel)

    @property
    def organization(self):
        return self.membership.organization if self.membership is not None else None

    @property
    def organization_id(self) -> int | None:
        return self.membership.organization_id if self.membership is not None else None

    @property
    def role(self):
        return self.membership.role_enum if self.membership is not None else None

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)
