"""The intake wizard: short steps, each saved on the server as a draft."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftercare.access import posted, role_required
from aftercare.idempotency import idempotent_create
from aftercare.timeouts import autosave_answer, is_autosave
from survivors import forms
from survivors.models import SafeContact, Survivor
from survivors.services.record import (
    INTAKE_STEPS,
    survivor_contacts_save,
    survivor_duplicates,
    survivor_intake_finish,
    survivor_intake_save,
    survivor_intake_start,
    survivor_open,
)

STEP_FORMS = {
    1: forms.IntakePersonForm,
    2: forms.IntakeOriginForm,
    3: forms.IntakeSafetyForm,
    5: forms.IntakeSituationForm,
    6: forms.IntakeGuardianForm,
}
CONTACT_STEP = 4
# Lazy: built once at import, shown in the language of each request.
STEP_TITLES = {
    **{n: f.title for n, f in STEP_FORMS.items()},
    CONTACT_STEP: gettext_lazy("Safe contact"),
}

records_intake = role_required(lambda m: m.role_enum.records_intake)


def _steps_for(survivor: Survivor | None) -> list[int]:
    """The guardian step is asked only for minors: never ask what does not apply."""
    steps = list(range(1, INTAKE_STEPS + 1))
    if survivor is not None and not survivor.is_minor:
        steps.remove(6)
    return steps


def _next_url(survivor: Survivor, step: int) -> str:
    if survivor.status != Survivor.Status.DRAFT:
        return reverse("survivors:detail", args=[survivor.pk])
    later = [s for s in _steps_for(survivor) if s > step]
    if later:
        return reverse("survivors:intake_step", args=[survivor.pk, later[0]])
    return reverse("survivors:intake_review", args=[survivor.pk])


def _context(survivor, step, form, **extra) -> dict:
    steps = _steps_for(survivor)
    earlier = [s for s in steps if s < step]
    return {
        "survivor": survivor,
        "step": step,
        "form": form,
        "steps": steps,
        "position": steps.index(step) + 1 if step in steps else len(steps),
        # Before the first step is saved the date of birth, and so whether the guardian
        # step is asked, is not known: no total is shown rather than one that changes.
        "total_known": survivor is not None,
        "previous": earlier[-1] if earlier else None,
        "title": STEP_TITLES[step],
        **extra,
    }


def _possible_duplicates(request, data: dict, *, itself: Survivor | None = None):
    """Records that may be this person (never the draft itself), unless the worker
    confirmed that this is a different person."""
    if data.get("confirm_new_person"):
        return [], False
    duplicates, hidden = survivor_duplicates(
        membership=request.membership,
        name=data["legal_name"],
        born=data["date_of_birth"],
        aliases=data["aliases"],
    )
    if itself is not None:
        duplicates = [s for s in duplicates if s.pk != itself.pk]
    return duplicates, hidden


def _start_autosave(request, form) -> JsonResponse:
    """The first step, before a draft exists: the draft is made by the first autosave
    with a legal name that matches no existing record; the page then saves to it."""
    if not form.is_valid():
        return JsonResponse(
            {
                "saved": False,
                "message": _("Not saved yet: a draft is kept once the legal name is typed."),
            }
        )
    data = form.cleaned_data
    duplicates, hidden = _possible_duplicates(request, data)
    if duplicates or hidden:
        return JsonResponse(
            {
                "saved": False,
                "message": _(
                    "Not saved yet: this person may already be recorded. Press Continue to "
                    "see the possible matches."
                ),
            }
        )
    fields = {k: v for k, v in data.items() if k not in ("aliases", "confirm_new_person")}
    survivor = survivor_intake_start(actor=request.actor, data=fields, aliases=data["aliases"])
    return autosave_answer(
        request, draft_url=reverse("survivors:intake_step", args=[survivor.pk, 1])
    )


@records_intake
@idempotent_create
def intake_start(request: HttpRequest) -> HttpResponse:
    form = forms.IntakePersonForm(posted(request))
    if request.method == "POST" and is_autosave(request):
        return _start_autosave(request, form)
    duplicates = hidden_duplicate = None
    if form.is_valid():
        data = form.cleaned_data
        duplicates, hidden_duplicate = _possible_duplicates(request, data)
        if duplicates or hidden_duplicate:
            form.data = form.data.copy() | {"confirm_new_person": "on"}
        else:
            fields = {k: v for k, v in data.items() if k not in ("aliases", "confirm_new_person")}
            survivor = survivor_intake_start(
                actor=request.actor, data=fields, aliases=data["aliases"]
            )
            return redirect(_next_url(survivor, 1))
    drafts = (
        Survivor.objects.drafts_of(request.user)
        .filter(organization=request.membership.organization)
        .with_list_columns()
    )
    return render(
        request,
        "survivors/intake_step.html",
        _context(
            None, 1, form, duplicates=duplicates, hidden_duplicate=hidden_duplicate, drafts=drafts
        ),
    )


# Never shown in a form: reading it takes the audited reveal in sudo mode.
WRITE_ONLY = ("safe_location",)


def _initial(survivor: Survivor, form_class) -> dict:
    initial = {
        name: getattr(survivor, name)
        for name in form_class.base_fields
        if hasattr(survivor, name) and name not in WRITE_ONLY
    }
    if "aliases" in form_class.base_fields:
        initial["aliases"] = "\n".join(a.name for a in survivor.aliases.all())
    return initial


def intake_step(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    survivor = survivor_open(request=request, pk=pk, for_change=True).survivor
    if step == CONTACT_STEP:
        return _contact_step(request, survivor)
    form_class = STEP_FORMS.get(step)
    if form_class is None:
        return redirect("survivors:intake_review", pk=survivor.pk)
    form = form_class(posted(request), initial=_initial(survivor, form_class))
    if request.method == "POST" and is_autosave(request):
        return _autosave(request, survivor, step, form)
    if form.is_valid() and step == 1:
        # The draft may have been made by an autosave while the name was being typed:
        # the name as finally given is checked, as on the first Continue.
        duplicates, hidden = _possible_duplicates(request, form.cleaned_data, itself=survivor)
        if duplicates or hidden:
            form.data = form.data.copy() | {"confirm_new_person": "on"}
            context = _context(survivor, 1, form, duplicates=duplicates, hidden_duplicate=hidden)
            return render(request, "survivors/intake_step.html", context)
    if form.is_valid():
        data = _keep_write_only(dict(form.cleaned_data))
        aliases = data.pop("aliases", None)
        data.pop("confirm_new_person", None)
        survivor_intake_save(
            actor=request.actor, survivor=survivor, step=step, data=data, aliases=aliases
        )
        return redirect(_next_url(survivor, step))
    return render(request, "survivors/intake_step.html", _context(survivor, step, form))


def _keep_write_only(data: dict) -> dict:
    """An empty write-only field means "leave it as it is", not "erase it"."""
    return {k: v for k, v in data.items() if k not in WRITE_ONLY or v}


def _autosave(request, survivor, step, form) -> JsonResponse:
    """Save every field that is valid so far, without moving on (static/js/autosave.js)."""
    form.is_valid()
    data = _keep_write_only(
        {k: v for k, v in form.cleaned_data.items() if k not in ("confirm_new_person",)}
    )
    aliases = data.pop("aliases", None)
    survivor_intake_save(
        actor=request.actor,
        survivor=survivor,
        step=step,
        data=data,
        aliases=aliases,
        advance=False,
    )
    return autosave_answer(request)


def _contact_forms(request, survivor) -> dict[str, forms.SafeContactForm]:
    existing = {c.channel: c for c in survivor.contacts.all()}
    return {
        channel: forms.SafeContactForm(
            posted(request), prefix=channel, instance=existing.get(channel, SafeContact())
        )
        for channel in SafeContact.Channel.values
    }


def _contact_step(request, survivor) -> HttpResponse:
    channel_forms = _contact_forms(request, survivor)
    if request.method == "POST" and is_autosave(request):
        # The channels filled in correctly so far; one with a mistake waits for Continue.
        rules = {ch: f.cleaned_data for ch, f in channel_forms.items() if f.is_valid()}
        if rules:
            survivor_contacts_save(actor=request.actor, survivor=survivor, rules=rules)
        return autosave_answer(request)
    if request.method == "POST" and all(f.is_valid() for f in channel_forms.values()):
        rules = {ch: f.cleaned_data for ch, f in channel_forms.items()}
        survivor_contacts_save(actor=request.actor, survivor=survivor, rules=rules)
        survivor_intake_save(actor=request.actor, survivor=survivor, step=CONTACT_STEP, data={})
        return redirect(_next_url(survivor, CONTACT_STEP))
    labelled = [(SafeContact.Channel(ch).label, f) for ch, f in channel_forms.items()]
    return render(
        request,
        "survivors/intake_contacts.html",
        _context(survivor, CONTACT_STEP, None, channel_forms=labelled),
    )


def intake_review(request: HttpRequest, pk: int) -> HttpResponse:
    view = survivor_open(request=request, pk=pk, for_change=True)
    steps = [(n, STEP_TITLES[n]) for n in _steps_for(view.survivor)]
    return render(
        request,
        "survivors/intake_review.html",
        {
            "view": view,
            "survivor": view.survivor,
            "steps": steps,
            "aliases": [a.name for a in view.survivor.aliases.all()],
            "contacts": list(view.survivor.contacts.all()),
            # Whether a place was recorded, never the place: that takes the audited reveal.
            "location_recorded": bool(view.survivor.safe_location),
        },
    )


@require_POST
@idempotent_create
def intake_finish(request: HttpRequest, pk: int) -> HttpResponse:
    survivor = survivor_open(request=request, pk=pk, for_change=True).survivor
    if survivor.status == Survivor.Status.DRAFT:
        survivor_intake_finish(actor=request.actor, survivor=survivor)
        messages.success(request, _("Intake is complete. Next: record consent, then refer."))
    return redirect("survivors:detail", pk=survivor.pk)
