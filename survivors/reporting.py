"""Who an organization may count in its reports, and why the others are left out.

Reports count people, never list them, and read no personal field. Even so, a person is
counted only where she is the organization's own (its own record, or a client who
engaged it and whose client file is not erased) or her current consent to that
organization covers "Reporting (de-identified counts)". Everyone else is left out, and
the report says how many and why. Decided here, beside consent, for every app above.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from aftercare.models import AuditEvent
from survivors.models import Consent, DataCategory, Engagement, Purpose, Referral, Survivor

COUNTED = ""
NO_CONSENT = "no_reporting_consent"
ERASED = "erased"
REASONS = {
    NO_CONSENT: _("shared with the organization without a current consent to reporting"),
    ERASED: _("erased on request"),
}


def reporting_basis(*, organization_id: int, survivor_ids: Iterable[int]) -> dict[int, str]:
    """{survivor id: COUNTED, or the reason she is left out}, in three queries at most."""
    ids = set(survivor_ids)
    if not ids:
        return {}
    rows = Survivor.objects.filter(pk__in=ids).values_list("pk", "organization_id", "status")
    engaged = set(
        Engagement.objects.filter(
            organization_id=organization_id, survivor_id__in=ids, erased_at__isnull=True
        ).values_list("survivor_id", flat=True)
    )
    consented = set(
        Consent.objects.current()
        .covering(organization_id=organization_id, purpose=Purpose.REPORTING)
        .filter(survivor_id__in=ids)
        .values_list("survivor_id", flat=True)
    )
    basis = {}
    for pk, owner, status in rows:
        if status == Survivor.Status.MERGED:
            continue  # a tombstone: what it had was moved to the kept record
        if pk in engaged:  # the client file outlives the partner's record
            basis[pk] = COUNTED
        elif status == Survivor.Status.ERASED:
            basis[pk] = ERASED
        elif owner == organization_id or pk in consented:
            basis[pk] = COUNTED
        else:
            basis[pk] = NO_CONSENT
    return basis


# What a breakdown says of a person whose value it cannot use.
NOT_RECORDED = "not_recorded"
NOT_SHARED = "not_shared"
MORE_THAN_ONE = "more_than_one"
AGE_GROUPS = (  # (code, youngest age in it); the last has no upper end
    ("under_18", 0),
    ("18_24", 18),
    ("25_34", 25),
    ("35_49", 35),
    ("50_over", 50),
)
LABELS = {
    "under_18": _("Under 18"),
    "18_24": _("18 to 24"),
    "25_34": _("25 to 34"),
    "35_49": _("35 to 49"),
    "50_over": _("50 and over"),
    MORE_THAN_ONE: _("More than one kind"),
    NOT_RECORDED: _("Not recorded"),
    NOT_SHARED: _("Not shared for reporting"),
}


@dataclass(frozen=True)
class Breakdowns:
    """People counted by kind of trafficking, age group, first language and country of
    origin: counts only; whom a count is made of never leaves this module."""

    trafficking: Counter
    age: Counter
    language: Counter
    country: Counter
    spellings: dict[str, dict[str, Counter]]  # dimension -> {key: spellings as recorded}

    def label(self, dimension: str, key: str) -> str:
        """The spelling most people's records use (ties: the first in code order)."""
        counts = self.spellings[dimension][key]
        return min(counts, key=lambda spelling: (-counts[spelling], spelling))


def reporting_breakdowns(
    *, organization_id: int, survivor_ids: Iterable[int], on: datetime.date
) -> Breakdowns:
    """Counts of the given (counted) people by each dimension, ages taken on `on`.

    Where a value comes from, and when it may be used:
    - the organization's own record: every field;
    - its client file (a current `Engagement`): the client file's birth date, country
      and languages; the record's kinds of trafficking only as for a consent;
    - otherwise the categories of a current consent to the organization for reporting
      ("identity" for age, language and country; "situation" for trafficking).
    A value the basis does not cover is counted as "not shared for reporting", an empty
    one as "not recorded". Three queries; values are decrypted here and only counted.
    """
    ids = set(survivor_ids)
    records = {
        row[0]: row
        for row in Survivor.objects.filter(pk__in=ids).values_list(
            "pk",
            "organization_id",
            "date_of_birth",
            "country_of_origin",
            "languages",
            "trafficking_kinds",
        )
    }
    files = {
        row[0]: row
        for row in Engagement.objects.filter(
            organization_id=organization_id, survivor_id__in=ids, erased_at__isnull=True
        )
        .order_by("engaged_on", "id")  # the newest client file last, so it wins
        .values_list("survivor_id", "date_of_birth", "country_of_origin", "languages")
    }
    categories: dict[int, set[str]] = defaultdict(set)
    for pk, cats in (
        Consent.objects.current()
        .covering(organization_id=organization_id, purpose=Purpose.REPORTING)
        .filter(survivor_id__in=ids)
        .values_list("survivor_id", "categories")
    ):
        categories[pk].update(cats or [])
    result = Breakdowns(
        Counter(), Counter(), Counter(), Counter(), defaultdict(lambda: defaultdict(Counter))
    )
    for pk in ids:
        record = records.get(pk)
        if record is None:
            continue
        trafficking, born, language, country = _values(
            organization_id, record, files.get(pk), categories[pk]
        )
        result.trafficking[trafficking] += 1
        result.age[_age_group(born, on)] += 1
        _count_text(result, "language", language)
        _count_text(result, "country", country)
    return result


def _values(organization_id: int, record, file, categories: set[str]):
    """(trafficking code, birth date, first language, country) of one person, as the
    organization may use them: NOT_SHARED where its basis does not cover a value."""
    own = record[1] == organization_id
    if own:
        born, country, languages = record[2:5]
    elif file is not None:  # the organization's client file, whatever the record says
        born, country, languages = file[1:4]
    elif DataCategory.IDENTITY in categories:
        born, country, languages = record[2:5]
    else:
        born = country = languages = NOT_SHARED
    situation = own or DataCategory.SITUATION in categories
    return (
        _trafficking(record[5]) if situation else NOT_SHARED,
        born,
        _first_language(languages),
        country,
    )


@dataclass(frozen=True)
class Facts:
    """What a report may count of one person for one organization: the basis, and the
    breakdowns' values (codes, a birth date, spellings), never anything else.

    For the reports app's aggregate tables, which keep them only as keyed hashes."""

    basis: str
    trafficking: str = NOT_SHARED
    born: datetime.date | str | None = NOT_SHARED
    language: str = NOT_SHARED  # a spelling (collapsed spaces), "" or NOT_SHARED
    country: str = NOT_SHARED


def reporting_facts(*, organization_id: int, survivor_ids: Iterable[int]) -> dict[int, Facts]:
    """{survivor id: Facts} for the given people (merged records left out): the basis of
    each, and for those counted the values `reporting_breakdowns` would count. Six
    queries at most; values are decrypted for the counted only."""
    basis = reporting_basis(organization_id=organization_id, survivor_ids=survivor_ids)
    counted = [pk for pk, code in basis.items() if code == COUNTED]
    facts = {pk: Facts(code) for pk, code in basis.items() if code != COUNTED}
    if not counted:
        return facts
    records = {
        row[0]: row
        for row in Survivor.objects.filter(pk__in=counted).values_list(
            "pk",
            "organization_id",
            "date_of_birth",
            "country_of_origin",
            "languages",
            "trafficking_kinds",
        )
    }
    files = {
        row[0]: row
        for row in Engagement.objects.filter(
            organization_id=organization_id, survivor_id__in=counted, erased_at__isnull=True
        )
        .order_by("engaged_on", "id")
        .values_list("survivor_id", "date_of_birth", "country_of_origin", "languages")
    }
    categories: dict[int, set[str]] = defaultdict(set)
    for pk, cats in (
        Consent.objects.current()
        .covering(organization_id=organization_id, purpose=Purpose.REPORTING)
        .filter(survivor_id__in=counted)
        .values_list("survivor_id", "categories")
    ):
        categories[pk].update(cats or [])
    for pk in counted:
        trafficking, born, language, country = _values(
            organization_id, records[pk], files.get(pk), categories[pk]
        )
        facts[pk] = Facts(COUNTED, trafficking, born, _spelling(language), _spelling(country))
    return facts


def _spelling(text: str) -> str:
    return text if text == NOT_SHARED else " ".join((text or "").split())


def _trafficking(kinds: list[str]) -> str:
    kinds = sorted(set(kinds or []))
    if not kinds:
        return NOT_RECORDED
    return kinds[0] if len(kinds) == 1 else MORE_THAN_ONE


def _age_group(born, on: datetime.date) -> str:
    if born == NOT_SHARED:
        return NOT_SHARED
    if born is None:
        return NOT_RECORDED
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return [code for code, youngest in AGE_GROUPS if age >= youngest][-1]


def _first_language(languages: str) -> str:
    """ "Spanish (native), English (basic)" -> "Spanish": the first one recorded."""
    if languages == NOT_SHARED:
        return NOT_SHARED
    first = re.split(r"[,;/\n]", languages or "", maxsplit=1)[0]
    return re.sub(r"\(.*?\)|\(.*$", "", first).strip()


def _count_text(result: Breakdowns, dimension: str, text: str) -> None:
    """Free text counted by its case-folded, space-collapsed spelling."""
    counter = getattr(result, dimension)
    if text == NOT_SHARED:
        counter[NOT_SHARED] += 1
        return
    spelling = " ".join((text or "").split())
    if not spelling:
        counter[NOT_RECORDED] += 1
        return
    key = spelling.casefold()
    counter[key] += 1
    result.spellings[dimension][key][spelling] += 1


def referral_acceptances(*, referral_ids: Iterable[int]) -> dict[int, datetime.datetime]:
    """{referral id: when it was accepted}, for those that were, in one query.

    A referral keeps only its current status; the moment it was accepted is the
    append-only audit event its move wrote (`survivors.referral.moved` to "accepted"),
    which nothing edits or deletes. The first such event counts.
    """
    ids = [str(pk) for pk in referral_ids]
    if not ids:
        return {}
    accepted: dict[int, datetime.datetime] = {}
    events = (
        AuditEvent.objects.filter(
            object_type=Referral._meta.label_lower,
            object_id__in=ids,
            action="survivors.referral.moved",
            payload__to=Referral.Status.ACCEPTED,
        )
        .order_by("id")
        .values_list("object_id", "created_at")
    )
    for pk, moment in events:
        accepted.setdefault(int(pk), moment)
    return accepted


def age_group(born, on: datetime.date) -> str:
    """The age group code of a birth date (or NOT_SHARED / None) on a day."""
    return _age_group(born, on)
