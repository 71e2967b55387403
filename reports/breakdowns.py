"""People served in the period by kind of trafficking, age group, first language and
country of origin: counts from `survivors.reporting`, rare spellings pooled, each
person once, so every table adds up to the people served."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext_lazy as _

from reports.tables import Table
from survivors import reporting
from survivors.models import TraffickingKind


def breakdown_tables(
    breakdowns: reporting.Breakdowns, threshold: int, *, hide_total: bool
) -> list[Table]:
    """People served in the period by kind of trafficking, age group, language, country."""
    note_common = _("Each person served in the period once.")
    trafficking = [*TraffickingKind.values, reporting.MORE_THAN_ONE]
    labels = {**dict(TraffickingKind.choices), **reporting.LABELS}
    ages = [code for code, _youngest in reporting.AGE_GROUPS]
    tables = [
        _one_way(
            "trafficking",
            _("People served by kind of trafficking"),
            _("Kind of trafficking"),
            trafficking,
            labels,
            breakdowns.trafficking,
            note=_("%(common)s A person recorded with more than one kind is counted once.")
            % {"common": note_common},
        ),
        _one_way(
            "age",
            _("People served by age group"),
            _("Age at the end of the period"),
            ages,
            labels,
            breakdowns.age,
            note=note_common,
        ),
        _free_text(
            "language",
            _("People served by first language"),
            _("Language"),
            breakdowns,
            threshold,
            note=_(
                "%(common)s The first language recorded, spelled as recorded. Languages "
                "spoken by fewer than %(n)s people are counted together as other languages."
            )
            % {"common": note_common, "n": threshold},
        ),
        _free_text(
            "country",
            _("People served by country of origin"),
            _("Country of origin"),
            breakdowns,
            threshold,
            note=_(
                "%(common)s Countries of fewer than %(n)s people are counted together as "
                "other countries."
            )
            % {"common": note_common, "n": threshold},
        ),
    ]
    for table in tables:
        table.hide_grand_total = hide_total
    return tables


def _one_way(key, title, row_header, codes, labels, counts, note="") -> Table:
    """Counts by code, then the people of whom it is not recorded or not shared."""
    codes = [*codes, reporting.NOT_RECORDED, reporting.NOT_SHARED]
    return Table(
        key=key,
        title=title,
        row_header=row_header,
        rows=[str(labels[code]) for code in codes],
        columns=[_("People")],
        values=[[counts[code]] for code in codes],
        note=note,
    )


def _free_text(key, title, row_header, breakdowns, threshold: int, note="") -> Table:
    """A free-text dimension: each spelling with enough people, alphabetically, then the
    rare ones pooled (a rare country's name alone could point at a person)."""
    counts = getattr(breakdowns, key)
    special = (reporting.NOT_RECORDED, reporting.NOT_SHARED)
    common = sorted(
        (k for k, n in counts.items() if k not in special and n >= threshold),
        key=lambda k: breakdowns.label(key, k).casefold(),
    )
    other = sum(n for k, n in counts.items() if k not in special and n < threshold)
    labels = {k: breakdowns.label(key, k) for k in common}
    labels |= {OTHER_KEY: OTHER[key], **reporting.LABELS}
    merged = Counter({k: counts[k] for k in (*common, *special)})
    merged[OTHER_KEY] = other
    return _one_way(key, title, row_header, [*common, OTHER_KEY], labels, merged, note=note)


OTHER_KEY = ("other",)  # not a string: no spelling can take its place
OTHER = {"language": _("Other languages"), "country": _("Other countries")}
