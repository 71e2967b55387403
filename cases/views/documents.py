"""Documents of a matter: pick a template, fill what is missing, preview, generate, download."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from aftercare.access import fetch_for_user, posted
from aftercare.idempotency import idempotent_create
from cases.documents.languages import has_fixed_wording, language_choices, language_of
from cases.documents.registry import TEMPLATES, templates_for
from cases.documents.renderer import neutralize_bidi
from cases.models import DocumentDraft, DocumentVersion
from cases.services.documents import (
    document_download,
    document_draft_save,
    document_draft_start,
    document_generate,
    document_preview_html,
    document_translation_start,
)
from cases.services.matters import matter_open_for_user


def _interpreter_field(template, interpreters) -> forms.ChoiceField:
    """The matter's own interpreters: an id from anywhere else is not a choice."""
    choices = [("", _("None"))] + [
        (
            str(i.pk),
            f"{i.name} · {i.get_language_display()} · {i.get_qualification_display()}",
        )
        for i in interpreters
    ]
    if template.translatable:
        label, help_text = INTERPRETER_READ_BACK, INTERPRETER_READ_BACK_HELP
    else:
        label, help_text = INTERPRETER_CHOSEN, INTERPRETER_CHOSEN_HELP
    if len(choices) == 1:
        help_text = NO_INTERPRETER
    return forms.ChoiceField(label=label, choices=choices, required=False, help_text=help_text)


STATEMENT_IN = _("{0} (in {1}, as the declarant will read it)")
INTERPRETER_READ_BACK = _("Interpreter who read it to the declarant")
INTERPRETER_READ_BACK_HELP = _(
    "For a declarant who does not read English: adds the interpreter's statement that the "
    "declaration was read to them in their language and that they said they understood it."
)
NO_INTERPRETER = _(
    "No interpreter is recorded on this matter: record one in the Interpreters section of "
    "the matter's page, then choose them here."
)
INTERPRETER_CHOSEN = _("Interpreter or translator")
INTERPRETER_CHOSEN_HELP = _(
    "From the interpreters recorded on the matter's page: their name, language, "
    "qualification and contact print on the document."
)


def _draft_form(
    template,
    data=None,
    initial=None,
    pseudonym: bool = False,
    interpreters=(),
    language=None,
) -> forms.Form:
    form = forms.Form(data, initial=initial)
    if pseudonym:
        form.fields["pseudonym"] = forms.CharField(
            label=_("Name used in the filing (pseudonym)"),
            required=False,
            max_length=100,
            help_text=_("This matter is filed under a pseudonym; empty means Jane Doe."),
        )
    for field in template.fields:
        widget = forms.Textarea(attrs={"rows": 10}) if field.multiline else None
        form.fields[field.name] = forms.CharField(
            label=field.label, required=False, widget=widget, help_text=field.help_text
        )
    if language is not None and language.code != "en" and "paragraphs" in form.fields:
        statement = form.fields["paragraphs"]
        statement.label = format_lazy(STATEMENT_IN, statement.label, language.label)
        statement.widget.attrs.update(lang=language.code, dir="auto")
    # A version in the declarant's language is the one they read themselves: the
    # interpreter's statement (read to them) goes with the English one only.
    in_english = language is None or language.code == "en"
    if template.interpreter and (in_english or not template.translatable):
        form.fields["interpreter"] = _interpreter_field(template, interpreters)
    form.fields["pleading"] = forms.BooleanField(
        label=_("Pleading paper (28 numbered lines)"), required=False
    )
    form.fields["pdf_a"] = forms.BooleanField(
        label=_("PDF/A-2b, for courts' e-filing systems"), required=False
    )
    return form


@idempotent_create
def document_list(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk)
    if request.method == "POST":
        matter_open_for_user(request=request, pk=pk, for_change=True)
        code = request.POST.get("template")
        if code not in {t.code for t in templates_for(matter.sub_kind)}:
            raise Http404
        draft = document_draft_start(actor=request.actor, matter=matter, template_code=code)
        return redirect("cases:document_draft", pk=draft.pk)
    return render(
        request,
        "cases/documents.html",
        {
            "matter": matter,
            "templates": templates_for(matter.sub_kind),
            "drafts": drafts_in_sets(matter.document_drafts.all()),
            "versions": matter.documents.select_related("created_by", "draft"),
        },
    )


def drafts_in_sets(drafts) -> list[tuple[DocumentDraft, list[DocumentDraft]]]:
    """Each draft that heads a set with the versions in other languages and the
    certificate that go with it, so that the paralegal sees them together."""
    drafts = list(drafts)
    companions: dict[int, list[DocumentDraft]] = {}
    for draft in drafts:
        if draft.pair_of_id:
            companions.setdefault(draft.pair_of_id, []).append(draft)
    return [
        (draft, sorted(companions.get(draft.pk, []), key=lambda d: d.pk))
        for draft in drafts
        if not draft.pair_of_id
    ]


def _draft_for(request, pk, for_change=False) -> DocumentDraft:
    draft = fetch_for_user(request, DocumentDraft.objects.select_related("matter"), pk=pk)
    matter_open_for_user(request=request, pk=draft.matter_id, for_change=for_change)
    return draft


@idempotent_create
def document_draft(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _draft_for(request, pk, for_change=request.method == "POST")
    template = TEMPLATES[draft.template_code]
    form = _draft_form(
        template,
        posted(request),
        initial=draft.fields,
        pseudonym=draft.matter.file_under_pseudonym,
        interpreters=draft.matter.interpreters.all() if template.interpreter else (),
        language=language_of(draft.language),
    )
    if form.is_valid():
        fields = {k: ("on" if v is True else v) for k, v in form.cleaned_data.items() if v}
        document_draft_save(actor=request.actor, draft=draft, fields=fields)
        if "generate" not in request.POST or _generate(request, draft, form):
            return redirect("cases:document_draft", pk=draft.pk)
    return render(
        request,
        "cases/document_draft.html",
        {
            "template": template,
            "form": form,
            **_status_context(draft),
            **translation_set_context(draft),
        },
    )


class TranslationForm(forms.Form):
    language = forms.ChoiceField(
        label=_("The declarant's language"), choices=language_choices(with_english=False)
    )


def translation_set_context(draft: DocumentDraft) -> dict:
    """The declaration's versions by language and its certificate, shown together."""
    head = draft.pair_of or draft
    members = [head, *head.companions.all()]
    language = language_of(draft.language)
    return {
        "translation_set": members if len(members) > 1 else [],
        "language": language,
        "no_fixed_wording": not has_fixed_wording(language.code),
        "translation_form": TranslationForm(auto_id="translation_%s")
        if TEMPLATES[head.template_code].translatable and len(members) == 1
        else None,
    }


@require_POST
@idempotent_create
def document_translation(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the declaration in the declarant's language, with its certificate."""
    draft = _draft_for(request, pk, for_change=True)
    form = TranslationForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("language", [])))
        return redirect("cases:document_draft", pk=draft.pk)
    try:
        translated = document_translation_start(
            actor=request.actor, draft=draft, language=form.cleaned_data["language"]
        )
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect("cases:document_draft", pk=draft.pk)
    return redirect("cases:document_draft", pk=translated.pk)


def _generate(request: HttpRequest, draft: DocumentDraft, form=None) -> bool:
    """Ask for the PDF; False when a refusal names fields of the form, shown beside them
    (the form is shown again, with what was typed)."""
    try:
        document_generate(actor=request.actor, draft=draft)
    except ValidationError as refusal:
        if form is not None and hasattr(refusal, "error_dict"):
            for name, errors in refusal.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
            return False
        # What was typed is saved; the reason says what to do about the name.
        messages.error(request, " ".join(refusal.messages))
    return True


def _status_context(draft: DocumentDraft) -> dict:
    return {"draft": draft, "progress": draft.progress(), "latest": draft.versions.first()}


@require_POST
def document_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask again for the draft as saved, after a failure or a service that did not answer."""
    draft = _draft_for(request, pk, for_change=True)
    _generate(request, draft)
    return redirect("cases:document_draft", pk=draft.pk)


def _body_of(html: str) -> str:
    """The inside of the rendered document's <body>, to show within our own page."""
    start = html.index(">", html.index("<body")) + 1
    return html[start : html.rindex("</body>")]


def document_preview(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _draft_for(request, pk)
    html, name_missing = document_preview_html(actor=request.actor, draft=draft)
    # Rendered by our autoescaping template just now: the markup is ours, the text escaped;
    # without the controls that could show it reversed, as in the PDF.
    body = mark_safe(neutralize_bidi(_body_of(html)))  # noqa: S308
    return render(
        request,
        "cases/document_preview.html",
        {"draft": draft, "document": body, "name_missing": name_missing},
    )


def document_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Where the generation stands; polled by static/js/document_status.js."""
    draft = _draft_for(request, pk)
    return render(request, "cases/_document_status.html", _status_context(draft))


def document_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    version = fetch_for_user(
        request, DocumentVersion.objects.select_related("matter__client"), pk=pk
    )
    try:
        pdf = document_download(actor=request.actor, version=version)
    except PermissionDenied as refusal:
        return render(
            request,
            "cases/document_withheld.html",
            {"version": version, "reason": str(refusal)},
            status=403,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{version.file_name()}"'
    return response
