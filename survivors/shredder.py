"""Erasure through every app: the signal, the reports, and the survivors app's own shredder.

After pretix's `base/shredder.py`: the app that owns a table erases it. `shred` sends
`survivor_erasing` inside the erasing service's transaction; every app's receiver wipes
its own rows within the `ErasureScope` and returns a `ShredReport` that says what it
wiped (counts per kind) and what it keeps and why. The reports go back to the person
who erased, and their codes and counts (never personal data) into the audit event.

Apps connect a receiver once, in their `AppConfig.ready()`:

    @receiver(survivor_erasing, dispatch_uid="cases.shredder")
    def cases_shred(sender, *, survivor, organization, actor, scope, **kwargs) -> ShredReport:
        ...
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.dispatch import Signal, receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.models import Organization
from survivors.models import (
    Consent,
    Engagement,
    Referral,
    ServiceGoal,
    Survivor,
    SurvivorAccess,
    SurvivorShare,
    SurvivorToken,
)
from survivors.signals import consent_changed, referral_changed

# Sent inside the erasing transaction, with `survivor`, `organization` (the erasing
# organization), `actor` (an `aftercare.actor.Actor`) and `scope` (an `ErasureScope`).
# Each receiver wipes what its app holds within the scope and returns a `ShredReport`;
# raising aborts the whole erasure.
survivor_erasing = Signal()

# What every app says of the rows it leaves to an engaged legal organization.
ENGAGED_CLIENT_FILE = _(
    "client file of an engaged legal organization, under its own retention and legal hold"
)


@dataclass(frozen=True)
class ErasureScope:
    """Whose data an erasure reaches.

    The whole record (`engagement` is None): every organization's data about the
    survivor, except what belongs to the client file of a legal organization that
    recorded an engagement with them and has not erased it (`kept_by`).
    One client file (`engagement` set): only that organization's data about its client.
    """

    survivor: Survivor
    engagement: Engagement | None = None
    kept_by: frozenset[int] = frozenset()

    @classmethod
    def whole_record(cls, survivor: Survivor) -> ErasureScope:
        # The recording organization's own engagement is part of its own record: erasing
        # the record erases it too, so it keeps nothing back.
        engaged = Engagement.objects.filter(survivor=survivor, erased_at__isnull=True).exclude(
            organization_id=survivor.organization_id
        )
        return cls(survivor, kept_by=frozenset(engaged.values_list("organization_id", flat=True)))

    @classmethod
    def client_file(cls, engagement: Engagement) -> ErasureScope:
        return cls(engagement.survivor, engagement=engagement)

    @property
    def is_client_file(self) -> bool:
        return self.engagement is not None

    def limit(
        self, queryset: models.QuerySet, organization: str = "organization"
    ) -> models.QuerySet:
        """The rows of `queryset` this erasure reaches, by their organization field."""
        if self.engagement is not None:
            return queryset.filter(**{f"{organization}_id": self.engagement.organization_id})
        return queryset.exclude(**{f"{organization}_id__in": self.kept_by})

    def kept(
        self, queryset: models.QuerySet, organization: str = "organization"
    ) -> models.QuerySet:
        """The rows left to engaged legal organizations (none in a client-file erasure)."""
        if self.engagement is not None:
            return queryset.none()
        return queryset.filter(**{f"{organization}_id__in": self.kept_by})


@dataclass(frozen=True)
class Wiped:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class Kept:
    code: str
    reason: str
    count: int


@dataclass
class ShredReport:
    """What one app did: the kinds it wiped, with counts, and what it kept, and why.

    `former_client` says the survivor was a client of a matter: their search tokens
    are then kept, conflict-only, so a conflict check still finds them.
    """

    app: str
    title: str
    wiped: list[Wiped] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    former_client: bool = False

    def wipe(self, code: str, label: str, count: int) -> None:
        if count:
            self.wiped.append(Wiped(f"{self.app}.{code}", label, count))

    def keep(self, code: str, reason: str, count: int) -> None:
        if count:
            self.kept.append(Kept(f"{self.app}.{code}", reason, count))


@dataclass(frozen=True)
class ErasureReport:
    """Every app's report of one erasure, in the order the apps answered."""

    reports: tuple[ShredReport, ...]

    def audit_payload(self) -> dict:
        """Codes and counts only: what the audit trail may hold."""
        return {
            "wiped": {w.code: w.count for r in self.reports for w in r.wiped},
            "kept": {k.code: k.count for r in self.reports for k in r.kept},
        }


def shred(
    *, survivor: Survivor, organization: Organization, actor, scope: ErasureScope
) -> ErasureReport:
    """Ask every app to wipe what it holds within `scope`; settle the search tokens last.

    Call inside the erasing service's transaction: one app's failure undoes them all.
    """
    reports = []
    for receiver_, report in survivor_erasing.send(
        sender=Survivor, survivor=survivor, organization=organization, actor=actor, scope=scope
    ):
        if not isinstance(report, ShredReport):
            raise TypeError(f"{receiver_!r} must return a ShredReport")
        reports.append(report)
    if not scope.is_client_file:
        keep = survivor.organization.kind == Organization.Kind.LEGAL_AID or any(
            r.former_client for r in reports
        )
        reports.append(_tokens_shred(survivor, keep_for_conflicts=keep))
    return ErasureReport(tuple(reports))


def _tokens_shred(survivor: Survivor, *, keep_for_conflicts: bool) -> ShredReport:
    """Search tokens go, unless the survivor was a client (or a legal aid organization's).

    A former client must still be found by a conflict check, so their keyed hashes stay,
    marked conflict-only: unreadable, and ignored by every search of survivors.
    """
    report = ShredReport("survivors", _("Search keys"))
    tokens = SurvivorToken.objects.filter(survivor=survivor)
    if keep_for_conflicts:
        # Parts of names serve a search alone, and no search finds an erased survivor.
        report.wipe(
            "name_part_tokens",
            _("search keys of parts of names"),
            tokens.filter(source=SurvivorToken.Source.NAME_PART).delete()[0],
        )
        report.keep(
            "conflict_only_tokens",
            _(
                "keyed hashes of the names and date of birth (unreadable), kept only so that "
                "a conflict check still finds a former client; no search shows them"
            ),
            tokens.update(conflict_only=True),
        )
    else:
        report.wipe("tokens", _("search keys of names and date of birth"), tokens.delete()[0])
    return report


def _erasure_tell(survivor, actor, referrals: list[Referral], consents: list[Consent]) -> None:
    """The apps above hear of the referrals the erasure withdrew and the consents it
    ended, as if each had been moved by hand (a partner's system stops its work)."""
    for consent in consents:
        consent.survivor = survivor
        consent_changed.send(Consent, consent=consent, change="revoked", actor=actor)
    for referral in referrals:
        previous, referral.status = referral.status, Referral.Status.WITHDRAWN
        referral_changed.send(
            Referral,
            referral=referral,
            status=Referral.Status.WITHDRAWN,
            previous=previous,
            actor=actor,
        )


@receiver(survivor_erasing, dispatch_uid="survivors.shredder")
def survivors_shred(sender, *, survivor, organization, actor, scope, **kwargs) -> ShredReport:
    if scope.is_client_file:
        return _client_file_shred(scope.engagement)
    report = ShredReport("survivors", _("Survivor record"))
    now = timezone.now()
    for name in Survivor.PII_FIELDS:
        setattr(survivor, name, None if name == "date_of_birth" else "")
    survivor.trafficking_kinds, survivor.indicators, survivor.needs = [], [], []
    # Derived from identity too: an erased record says neither minor nor interpreter.
    survivor.interpreter_needed = False
    survivor.status, survivor.erased_at = Survivor.Status.ERASED, now
    survivor.save()  # is_minor follows the (now unknown) birth date
    report.wipe("record", _("names, dates, origin, safety and location"), 1)
    report.wipe(
        "own_engagement",
        _("the recording organization's own engagement"),
        Engagement.objects.filter(
            survivor=survivor, organization_id=survivor.organization_id, erased_at__isnull=True
        ).update(scope="", erased_at=now),
    )
    report.wipe("aliases", _("aliases"), survivor.aliases.all().delete()[0])
    report.wipe(
        "history_values",
        _("earlier and later values in the record's history"),
        _history_values_wipe(survivor),
    )
    report.wipe("contacts", _("safe contact rules"), survivor.contacts.all().delete()[0])
    report.wipe(
        "goals",
        _("service plan goals"),
        ServiceGoal.objects.filter(survivor=survivor).update(description=""),
    )
    open_referrals = list(Referral.objects.filter(survivor=survivor, status__in=Referral.OPEN))
    report.wipe(
        "referrals_withdrawn",
        _("open referrals, withdrawn"),
        Referral.objects.filter(pk__in=[r.pk for r in open_referrals]).update(
            status=Referral.Status.WITHDRAWN, updated_at=now
        ),
    )
    report.wipe(
        "referrals",
        _("referral notes and reasons"),
        Referral.objects.filter(survivor=survivor).update(note="", decline_reason=""),
    )
    current_consents = list(Consent.objects.filter(survivor=survivor, revoked_at__isnull=True))
    Consent.objects.filter(pk__in=[c.pk for c in current_consents]).update(revoked_at=now)
    _erasure_tell(survivor, actor, open_referrals, current_consents)
    report.wipe(
        "consents",
        _("consents: ended, witnesses and reasons wiped"),
        Consent.objects.filter(survivor=survivor).update(
            witness="", guardian_consent_by="", override_reason="", revoked_reason=""
        ),
    )
    SurvivorShare.objects.filter(survivor=survivor, ended_at__isnull=True).update(ended_at=now)
    # Erased: no other organization sees even the stub, except a legal organization the
    # survivor engaged, which keeps reaching its own client file through the record.
    engaged = Engagement.objects.filter(survivor=survivor, erased_at__isnull=True).values(
        "organization_id"
    )
    SurvivorAccess.objects.filter(survivor=survivor).exclude(
        organization_id=survivor.organization_id
    ).exclude(organization_id__in=engaged).delete()
    report.keep(
        "engaged_client_file",
        ENGAGED_CLIENT_FILE,
        Engagement.objects.filter(survivor=survivor, erased_at__isnull=True).count(),
    )
    return report


def _history_values_wipe(survivor: Survivor) -> int:
    """The values typed go; who changed which field and when stays (as for matters)."""
    from aftercare.history import FieldChange

    return FieldChange.objects.of(survivor).update(old_value="", new_value="")


def _client_file_shred(engagement: Engagement) -> ShredReport:
    """A legal organization's client file: its identity and scope go, its dates stay."""
    report = ShredReport("survivors", _("Client file"))
    for name in Engagement.PII_FIELDS:
        setattr(engagement, name, None if name == "date_of_birth" else "")
    engagement.interpreter_needed = False
    engagement.erased_at = timezone.now()
    engagement.save()
    report.wipe("client_file", _("the client's identity and the scope of representation"), 1)
    report.keep(
        "client_file_tokens",
        _(
            "keyed hashes of the names in the client file (unreadable), kept only so that "
            "this organization's conflict check still finds its former client"
        ),
        engagement.tokens.count(),
    )
    return report


@receiver(survivor_erasing, dispatch_uid="survivors.communications.shredder")
def communications_shred(sender, *, survivor, organization, actor, scope, **kwargs) -> ShredReport:
    """Each organization's communications log: gone with the survivor, except what an
    engaged legal organization logged (its client file, under its own retention)."""
    from survivors.models import Communication

    report = ShredReport("survivors", _("Communications log"))
    entries = Communication.objects.filter(survivor=survivor)
    report.wipe(
        "communications",
        _("communications log entries, with their summaries"),
        scope.limit(entries).delete()[0],
    )
    report.keep("communications_client_file", ENGAGED_CLIENT_FILE, scope.kept(entries).count())
    return report
