"""Merging duplicate records: pick a duplicate, compare, choose, confirm in sudo mode."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.access import posted, require_sudo_mode
from survivors.merge import (
    ALREADY_MERGED,
    KEEP,
    TAKE,
    merge_conflicts,
    merge_refusal,
    shown,
    survivor_merge,
)
from survivors.models import Survivor
from survivors.services.record import survivor_duplicates, survivor_open

# A tombstone merged into a record later merged too: follow, but never in a loop.
_MAX_HOPS = 5


def merged_tombstone_redirect(request: HttpRequest, pk: int) -> HttpResponse | None:
    """A merged record's address: to whoever may see the kept record, a redirect there
    saying so; to anyone else nothing (the record page then answers 404 as usual)."""
    tombstone = Survivor.objects.filter(pk=pk, merged_into__isnull=False).only(
        "id", "code", "merged_into_id"
    )
    tombstone = tombstone.first()
    if tombstone is None:
        return None
    kept_id = tombstone.merged_into_id
    for _hop in range(_MAX_HOPS):
        onward = Survivor.objects.filter(pk=kept_id).values_list("merged_into_id", flat=True)
        nxt = onward.first()
        if nxt is None:
            break
        kept_id = nxt
    kept = (
        Survivor.objects.visible_to(request.membership).filter(pk=kept_id).only("id", "code")
    ).first()
    if kept is None:
        return None
    messages.info(
        request,
        _("Record %(merged)s was merged into record %(kept)s.")
        % {"merged": tombstone.code, "kept": kept.code},
    )
    return redirect("survivors:detail", pk=kept.pk)


def survivor_merge_choose(request: HttpRequest, pk: int) -> HttpResponse:
    """The duplicates the duplicate check finds for this record, to compare with it."""
    view = survivor_open(request=request, pk=pk, for_change=True, manage=True)
    survivor = view.survivor
    candidates, hidden = survivor_duplicates(
        membership=request.membership,
        name=survivor.legal_name,
        born=survivor.date_of_birth,
        aliases=[a.name for a in survivor.aliases.all()],
    )
    candidates = [c for c in candidates if c.pk != survivor.pk]
    return render(
        request,
        "survivors/merge_choose.html",
        {"survivor": survivor, "candidates": candidates, "hidden": hidden},
    )


class MergeForm(forms.Form):
    """One choice per disagreeing field, and the merged record's code typed to confirm."""

    confirm = forms.CharField(label=gettext_lazy("Type the code to confirm"), max_length=20)

    def __init__(self, *args, conflicts, kept_code: str, merged_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.merged_code = merged_code
        self.conflicts = conflicts
        for conflict in conflicts:
            self.fields[conflict.key] = forms.ChoiceField(
                label=conflict.label,
                choices=[
                    (KEEP, f"{kept_code}: {conflict.kept_value}"),
                    (TAKE, f"{merged_code}: {conflict.merged_value}"),
                ],
                widget=forms.RadioSelect,
            )

    def clean_confirm(self) -> str:
        code = self.cleaned_data["confirm"].strip().upper()
        if code != self.merged_code:
            raise ValidationError(_("The code does not match."))
        return code

    def choices(self) -> dict[str, str]:
        return {c.key: self.cleaned_data[c.key] for c in self.conflicts}

    def rows(self):
        return [(c, self[c.key]) for c in self.conflicts]


@require_sudo_mode
def survivor_merge_compare(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    """Keep record `pk`, merge record `other` into it: both side by side, the coordinator
    chooses where they disagree, and confirms with the merged record's code."""
    kept = survivor_open(request=request, pk=pk, for_change=True, manage=True).survivor
    if done := _merged_already(request, kept, other):
        return done
    merged_view = survivor_open(request=request, pk=other, for_change=True, manage=True)
    merged = merged_view.survivor
    refusal = merge_refusal(kept=kept, merged=merged)
    conflicts = [] if refusal else merge_conflicts(kept, merged)
    form = MergeForm(
        posted(request), conflicts=conflicts, kept_code=kept.code, merged_code=merged.code
    )
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            survivor_merge(actor=request.actor, kept=kept, merged=merged, choices=form.choices())
        except ValidationError as error:
            return _refused(request, kept, merged, error)
        messages.success(
            request,
            _("Record %(merged)s was merged into this record.") % {"merged": merged.code},
        )
        return redirect("survivors:detail", pk=kept.pk)
    if request.method == "POST" and refusal:
        return _refused(request, kept, merged, ValidationError(refusal))
    return render(
        request,
        "survivors/merge_compare.html",
        {
            "kept": kept,
            "merged": merged,
            "refusal": refusal,
            "form": form,
            "rows": _side_by_side(kept, merged),
        },
    )


def _merged_already(request, kept: Survivor, other: int) -> HttpResponse | None:
    """A tombstone of the coordinator's own organization: a second submit of this merge
    lands where the first did; another merge of it is refused, saying why."""
    tombstone = Survivor.objects.filter(
        pk=other, merged_into__isnull=False, organization_id=request.membership.organization_id
    ).first()
    if tombstone is None:
        return None
    if tombstone.merged_into_id == kept.pk:
        messages.success(
            request,
            _("Record %(merged)s was merged into this record.") % {"merged": tombstone.code},
        )
    else:
        messages.error(request, str(ALREADY_MERGED).format(code=tombstone.code))
    return redirect("survivors:detail", pk=kept.pk)


def _refused(request, kept, merged, error: ValidationError) -> HttpResponse:
    """A second submit of a merge that went through lands where the first one did."""
    merged.refresh_from_db(fields=["merged_into"])
    if merged.merged_into_id == kept.pk:
        messages.success(
            request,
            _("Record %(merged)s was merged into this record.") % {"merged": merged.code},
        )
        return redirect("survivors:detail", pk=kept.pk)
    messages.error(request, error.messages[0])
    return redirect("survivors:detail", pk=kept.pk)


def _side_by_side(kept: Survivor, merged: Survivor) -> list[tuple[str, str, str]]:
    rows = [
        (_("Code"), kept.code, merged.code),
        (_("Status"), kept.get_status_display(), merged.get_status_display()),
    ]
    for name in (
        "legal_name",
        "preferred_name",
        "date_of_birth",
        "gender",
        "country_of_origin",
        "nationality",
        "languages",
        "guardian_name",
        "guardian_contact",
    ):
        label = Survivor._meta.get_field(name).verbose_name
        rows.append(
            (str(label).capitalize(), shown(getattr(kept, name)), shown(getattr(merged, name)))
        )
    rows.append(
        (
            _("Aliases"),
            ", ".join(a.name for a in kept.aliases.all()),
            ", ".join(a.name for a in merged.aliases.all()),
        )
    )
    rows.append((_("Consents"), str(kept.consents.count()), str(merged.consents.count())))
    rows.append((_("Referrals"), str(kept.referrals.count()), str(merged.referrals.count())))
    return rows
