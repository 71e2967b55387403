"""What cases wipes when a survivor (or one organization's client file) is erased.

Within the erasure's scope: draft fields, generated PDFs and the data behind them, filing
packets (their PDFs, once the erasure commits, the cover letter's text and the parts'
titles; each version's number, hashes and page ranges stay), note
bodies, party names, the names typed for conflict checks, case and receipt numbers.
Matter rows stay (number, stage, dates: the legal organization's record of its work), as
do the versions' number, hash, pages and who/when, and the keyed hashes of party names
that conflict checks search. A legal organization that engaged the client keeps its
whole client file: the survivors app's erasure does not reach it.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import (
    AgencyNotice,
    ConflictCheck,
    Deadline,
    DocumentDraft,
    DocumentVersion,
    Interpreter,
    Matter,
    MatterNote,
    MatterOutcome,
    Packet,
    PacketPart,
    PacketVersion,
    Party,
    PartyAlias,
    PartyToken,
    ProspectiveParty,
    Task,
)
from survivors.shredder import ENGAGED_CLIENT_FILE, ShredReport, survivor_erasing


@receiver(survivor_erasing, dispatch_uid="cases.shredder")
def cases_shred(sender, *, survivor, organization, actor, scope, **kwargs) -> ShredReport:
    report = ShredReport("cases", _("Matters, conflict checks and documents"))
    clients_matters = Matter.objects.filter(client=survivor)
    report.former_client = clients_matters.exists()
    matters = scope.limit(clients_matters)
    _documents_shred(report, matters)
    _packets_shred(report, matters)
    _matters_shred(report, matters)
    _conflict_checks_shred(report, scope.limit(ConflictCheck.objects.filter(client=survivor)))
    report.keep("engaged_client_file", ENGAGED_CLIENT_FILE, scope.kept(clients_matters).count())
    return report


def _documents_shred(report: ShredReport, matters) -> None:
    # Back to editing: a render still queued then finds nothing to claim.
    report.wipe(
        "drafts",
        _("document drafts: what was typed, and error messages"),
        DocumentDraft.objects.filter(matter__in=matters).update(
            fields_json="{}", error="", status=DocumentDraft.Status.EDITING
        ),
    )
    report.wipe(
        "document_versions",
        _("generated documents: the PDF and the data it was made from"),
        DocumentVersion.objects.filter(matter__in=matters, erased_at__isnull=True).update(
            pdf_base64="", snapshot_json="{}", erased_at=timezone.now()
        ),
    )
    report.keep(
        "document_history",
        _("each generated document's number, fingerprint, pages, author and date"),
        DocumentVersion.objects.filter(matter__in=matters).count(),
    )


def _packets_shred(report: ShredReport, matters) -> None:
    """A packet holds the client's documents and evidence: its files go from the evidence
    storage once the erasure commits (an erasure undone keeps them)."""
    from evidence.storage import stored_delete

    # Back to editing with nothing chosen: a build still queued then finds nothing to claim.
    report.wipe(
        "packets",
        _("filing packets: the cover letters' text and the parts chosen"),
        Packet.objects.filter(matter__in=matters).update(
            addressee="", subject="", error="", selection=[], status=Packet.Status.EDITING
        ),
    )
    versions = PacketVersion.objects.filter(packet__matter__in=matters, erased_at__isnull=True)
    names = [n for n in versions.values_list("storage_name", flat=True) if n]
    report.wipe(
        "packet_versions",
        _("built filing packets: the PDF and the titles of its parts"),
        versions.update(storage_name="", erased_at=timezone.now()),
    )
    PacketPart.objects.filter(version__packet__matter__in=matters).update(title="")
    transaction.on_commit(lambda: [stored_delete(name) for name in names])
    report.keep(
        "packet_history",
        _("each built packet's number, fingerprints of its parts, page ranges, author and date"),
        PacketVersion.objects.filter(packet__matter__in=matters).count(),
    )


def _matters_shred(report: ShredReport, matters) -> None:
    # Notes are append-only for people; an erasure is the one writer that may wipe them.
    report.wipe(
        "notes",
        _("privileged notes"),
        MatterNote.objects.filter(matter__in=matters).update(body=""),
    )
    parties = Party.objects.filter(matter__in=matters)
    PartyAlias.objects.filter(party__in=parties).delete()
    report.wipe(
        "parties",
        _("names, aliases and notes of the matters' parties"),
        parties.update(name="", description="", date_of_birth=None),
    )
    report.keep(
        "party_tokens",
        _(
            "keyed hashes of the parties' names (unreadable), kept only so that a conflict "
            "check still finds an adverse party"
        ),
        PartyToken.objects.filter(party__in=parties).count(),
    )
    # The interpreters' own details, and the language they tell of the client.
    report.wipe(
        "interpreters",
        _("the matters' interpreters: names, languages and contacts"),
        Interpreter.objects.filter(matter__in=matters).delete()[1].get("cases.Interpreter", 0),
    )
    # A date counted from the birth date gives the birth date back (an age-out date is
    # the 21st birthday less a day): those deadlines go; the others lose their free text.
    from_birth = Deadline.objects.filter(matter__in=matters, rule__anchor="birth")
    _history_shred(report, matters, from_birth)
    report.wipe(
        "deadlines_from_birth",
        _("deadlines counted from the birth date"),
        from_birth.delete()[1].get("cases.Deadline", 0),
    )
    report.wipe(
        "deadline_texts",
        _("deadline titles and places"),
        Deadline.objects.filter(matter__in=matters).update(title="", location=""),
    )
    report.wipe(
        "task_texts",
        _("what the matters' tasks said to do"),
        Task.objects.filter(matter__in=matters).update(title=""),
    )
    report.wipe(
        "notice_receipt_numbers",
        _("receipt numbers on agency notices"),
        AgencyNotice.objects.filter(matter__in=matters).update(receipt_number=""),
    )
    report.wipe(
        "matter_references",
        _("case and receipt numbers, closing notes"),
        matters.update(case_number="", receipt_number="", closing_reason=""),
    )
    report.keep(
        "matters",
        _("matter rows: number, stage and dates, the legal organization's record of its work"),
        matters.count(),
    )
    # No free text, nothing that names the client: counted in reports without the person.
    report.keep(
        "outcomes",
        _(
            "the matters' outcomes (what, when, amounts): the legal organization's "
            "record of its work"
        ),
        MatterOutcome.objects.filter(matter__in=matters).count(),
    )


def _history_shred(report: ShredReport, matters, from_birth) -> None:
    """The history of the matters and their deadlines: the values typed go (every date of
    a deadline counted from the birth date too); who changed which field and when stays."""
    from aftercare.history import FieldChange

    deadlines = Deadline.objects.filter(matter__in=matters)
    FieldChange.objects.of_model(Deadline, from_birth.values_list("pk", flat=True)).delete()
    changes = (
        FieldChange.objects.of_model(Matter, matters.values_list("pk", flat=True))
        | FieldChange.objects.of_model(Deadline, deadlines.values_list("pk", flat=True))
        # A party's earlier names are as personal as its current ones.
        | FieldChange.objects.of_model(
            Party, Party.objects.filter(matter__in=matters).values_list("pk", flat=True)
        )
    )
    report.wipe(
        "history_values",
        _("earlier and later values in the history of the matters and their deadlines"),
        FieldChange.objects.filter(pk__in=changes.values("pk"), personal=True).update(
            old_value="", new_value=""
        ),
    )


def _conflict_checks_shred(report: ShredReport, checks) -> None:
    report.wipe(
        "conflict_checks",
        _("reasons given for conflict check decisions"),
        checks.update(decision_reason=""),
    )
    report.wipe(
        "prospective_parties",
        _("names typed for conflict checks"),
        ProspectiveParty.objects.filter(conflict_check__in=checks).update(
            name="", aliases="", date_of_birth=None
        ),
    )
