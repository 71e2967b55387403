"""Document drafts, generation in the worker, versions and downloads."""

from __future__ import annotations

import base64
import hashlib
import json
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor, Channel
from aftercare.audit import audit_record_by
from cases.documents.context import document_context
from cases.documents.glyphs import first_unprintable
from cases.documents.languages import LANGUAGES
from cases.documents.registry import TEMPLATES, NeutralLabel
from cases.documents.renderer import (
    MissingGlyphError,
    RenderError,
    RenderTimeoutError,
    render_pdf_limited,
)
from cases.models import DocumentDraft, DocumentVersion, Interpreter, Matter, Party
from survivors.identity import ClientIdentity, IdentityUse, IdentityWithheld, survivor_identity_for
from survivors.services.communications import contact_permitted

NAME_WITHHELD = _(
    "The client's name cannot be printed: %(reason)s Record the engagement on the client's "
    "page once the client has engaged your organization, or file under a pseudonym."
)
LETTER_UNSAFE = _("This letter cannot be generated: %(reason)s")
VERSION_ERASED = _(
    "This version was erased with the client's data. Its record (who made it, when, its "
    "checksum) stays in the document history."
)
VERSION_WITHHELD = _(
    "This version prints the client's name, and your organization may no longer know it: %(reason)s"
)
UNPRINTABLE = _(
    "Nothing was generated: %(fields)s contains characters that no font installed here can "
    "print (%(characters)s). Change the text, or ask your administrator to install a font "
    "for this script."
)
UNPRINTABLE_ELSEWHERE = _("a detail recorded on the matter (a party, the court or the attorney)")
CLIENT_NAME = _("the client's name")
UNPRINTABLE_TYPED = _(
    "%(field)s, line %(line)s, character %(column)s: %(character)s cannot be printed by any "
    "font installed here. Change the text, or ask your administrator to install a font for "
    "this script."
)
UNPRINTABLE_MORE = _("(%(count)s characters in this field cannot be printed.)")
RENDER_TOO_LONG = _("It took too long to render: shorten very long text and try again.")
RENDER_FAILED = _("The renderer stopped; try again, or shorten very long text.")
RENDER_CRASHED = _("The document service stopped while rendering. Your draft is kept; try again.")


def document_draft_start(*, actor: Actor, matter: Matter, template_code: str) -> DocumentDraft:
    template = TEMPLATES[template_code]
    known = _known_fields(matter)
    if template.interpreter and not template.translatable:
        # A certificate or an interpreter's statement: the matter's interpreter, if any.
        interpreter = matter.interpreters.order_by("id").first()
        if interpreter:
            known["interpreter"] = str(interpreter.pk)
    with transaction.atomic():
        draft = DocumentDraft.objects.create(
            matter=matter,
            template_code=template.code,
            created_by=actor.user,
            fields_json=json.dumps(known),
        )
        audit_record_by(
            actor,
            "cases.document.draft_started",
            target=matter,
            payload={"draft": draft.pk, "template": template.code},
        )
    return draft


def _known_fields(matter: Matter) -> dict:
    """What the record already knows, so the paralegal is never asked for it again."""
    known = {}
    if matter.jurisdiction:
        known["court"] = matter.jurisdiction.name
    # The respondent is the person the client needs protection from: the named
    # trafficker (the first recorded), never the employer or recruiter by default.
    trafficker = matter.parties.filter(role=Party.Role.TRAFFICKER).order_by("id").first()
    if trafficker:
        known["respondent"] = trafficker.name
    membership = matter.lead_attorney.memberships.filter(organization=matter.organization).first()
    if membership and membership.bar_number:
        known["bar_number"] = membership.bar_number
    return known


TRANSLATION_NOT_OFFERED = _("Only a declaration in English can be produced in another language.")
TRANSLATION_OTHER_LANGUAGE = _(
    "This declaration already has a version in %(language)s: open it from the translation set."
)
CERTIFICATE = "translation_certificate"


def document_translation_start(
    *, actor: Actor, draft: DocumentDraft, language: str
) -> DocumentDraft:
    """The declaration in the declarant's language, and its certificate of translation.

    Both are drafts linked to the English declaration (`pair_of`). The client-language
    draft starts with what the English one knows (court, dates, place, bar number) and an
    empty statement: the paralegal types or pastes it as the declarant will read it,
    nothing is machine-translated. The certificate names the interpreter recorded on the
    matter for that language. Asked twice, the set is the same set.
    """
    template = TEMPLATES[draft.template_code]
    if not template.translatable or draft.language != "en" or draft.pair_of_id:
        raise ValidationError(TRANSLATION_NOT_OFFERED)
    if language == "en" or language not in LANGUAGES:
        raise ValidationError(TRANSLATION_NOT_OFFERED)
    with transaction.atomic():
        DocumentDraft.objects.select_for_update().get(pk=draft.pk)  # one set, however asked
        existing = draft.companions.filter(template_code=draft.template_code).first()
        if existing is not None:
            if existing.language != language:
                raise ValidationError(
                    TRANSLATION_OTHER_LANGUAGE % {"language": existing.language_name}
                )
            return existing
        shared = {k: v for k, v in draft.fields.items() if k not in ("paragraphs", "interpreter")}
        translated = DocumentDraft.objects.create(
            matter=draft.matter,
            template_code=draft.template_code,
            created_by=actor.user,
            fields_json=json.dumps(shared),
            language=language,
            pair_of=draft,
        )
        # Named even before an interpreter of that language is recorded and chosen.
        certificate_fields = {**shared, "source_language": LANGUAGES[language].english}
        interpreter = draft.matter.interpreters.filter(language=language).order_by("id").first()
        if interpreter:
            certificate_fields["interpreter"] = str(interpreter.pk)
        certificate = DocumentDraft.objects.create(
            matter=draft.matter,
            template_code=CERTIFICATE,
            created_by=actor.user,
            fields_json=json.dumps(certificate_fields),
            pair_of=draft,
        )
        audit_record_by(
            actor,
            "cases.document.translation_started",
            target=draft.matter,
            payload={
                "draft": draft.pk,
                "translated": translated.pk,
                "certificate": certificate.pk,
                "language": language,
            },
        )
    return translated


def document_draft_save(*, actor: Actor, draft: DocumentDraft, fields: dict) -> None:
    with transaction.atomic():
        draft.fields_json = json.dumps(fields)
        draft.save(update_fields=["fields_json", "updated_at"])
        audit_record_by(
            actor, "cases.document.draft_saved", target=draft.matter, payload={"draft": draft.pk}
        )


def document_title(draft: DocumentDraft) -> str:
    """What the PDF's metadata and <title> say: a neutral label and the matter number."""
    label = NeutralLabel(TEMPLATES[draft.template_code].label).label
    return f"{label} · {draft.matter.number}"


def document_identity(*, actor: Actor, matter: Matter) -> ClientIdentity | None:
    """The client's name as the acting organization may know it now, through the door.

    A matter filed under a pseudonym never asks: its documents cannot carry the name.
    Raises `IdentityWithheld` when the organization no longer knows the client at all.
    """
    if matter.file_under_pseudonym:
        return None
    return survivor_identity_for(
        actor=actor, survivor=matter.client, use=IdentityUse.DOCUMENT, fields={"legal_name"}
    )


def name_missing_reason(matter: Matter, identity: ClientIdentity | None) -> str:
    """Why a document cannot print the client's name, or "" when it can (or needs not)."""
    if matter.file_under_pseudonym or (identity and identity.get("legal_name")):
        return ""
    if identity and identity.why_not("legal_name"):
        return identity.why_not("legal_name")
    return str(_("The client's legal name is not recorded."))


def draft_interpreter(draft: DocumentDraft) -> Interpreter | None:
    """The interpreter chosen on the draft, among those of its own matter only."""
    chosen = str(draft.fields.get("interpreter", ""))
    if not TEMPLATES[draft.template_code].interpreter or not chosen.isdigit():
        return None
    return Interpreter.objects.filter(matter_id=draft.matter_id, pk=int(chosen)).first()


def document_html(
    draft: DocumentDraft, *, identity: ClientIdentity | None, preview: bool = False
) -> str:
    template = TEMPLATES[draft.template_code]
    context = document_context(
        draft.matter,
        draft.fields,
        title=document_title(draft),
        identity=identity,
        language=draft.language,
        interpreter=draft_interpreter(draft),
        in_translation_set=draft.pair_of_id is not None,
    )
    return render_to_string(template.template, {**context, "preview": preview})


def document_preview_html(*, actor: Actor, draft: DocumentDraft) -> tuple[str, str]:
    """The document as it would print now, and why the name is missing (or "").

    Checked at this moment: after a consent ends, the preview no longer shows the name.
    """
    try:
        identity = document_identity(actor=actor, matter=draft.matter)
    except IdentityWithheld as withheld:
        return document_html(draft, identity=None, preview=True), withheld.reason
    reason = name_missing_reason(draft.matter, identity)
    return document_html(draft, identity=identity, preview=True), reason


def typed_field_labels(draft: DocumentDraft) -> dict:
    labels = {field.name: field.label for field in TEMPLATES[draft.template_code].fields}
    labels["pseudonym"] = _("Name used in the filing (pseudonym)")
    return labels


def unprintable_typed(draft: DocumentDraft) -> dict[str, str]:
    """For each typed field holding a character no document font has: where it is.

    Checked when Generate is pressed, before anything is queued: the paralegal sees the
    field, line and character at once, beside what they typed (the render would fail
    in the worker, later and with less to go on).
    """
    found = {}
    for name, label in typed_field_labels(draft).items():
        value = draft.fields.get(name)
        if not isinstance(value, str) or (where := first_unprintable(value)) is None:
            continue
        message = str(
            UNPRINTABLE_TYPED
            % {
                "field": f"“{label}”",
                "line": where.line,
                "column": where.column,
                "character": where.named,
            }
        )
        if where.count > 1:
            message += " " + str(UNPRINTABLE_MORE % {"count": where.count})
        found[name] = message
    return found


def document_generate(*, actor: Actor, draft: DocumentDraft) -> None:
    """Queue the render in the worker, never in the request.

    Refused now, with the reason, when the document could not print the client's name;
    the worker asks the door again when it renders.
    """
    from cases.tasks import document_render

    if draft.progress() in ("queued", "rendering"):
        return  # already under way: one click, one PDF (a stalled one may be asked again)
    try:
        identity = document_identity(actor=actor, matter=draft.matter)
    except IdentityWithheld as withheld:
        raise ValidationError(NAME_WITHHELD % {"reason": withheld.reason}) from withheld
    if reason := name_missing_reason(draft.matter, identity):
        raise ValidationError(NAME_WITHHELD % {"reason": reason})
    if unprintable := unprintable_typed(draft):
        raise ValidationError(unprintable)
    if TEMPLATES[draft.template_code].to_client and (
        unsafe := contact_permitted(actor=actor, survivor=draft.matter.client, channel="post")
    ):
        raise ValidationError(LETTER_UNSAFE % {"reason": unsafe})
    user_id, language = actor.user_id, get_language()
    with transaction.atomic():
        draft.status, draft.error = DocumentDraft.Status.GENERATING, ""
        draft.status_changed_at = timezone.now()
        draft.save(update_fields=["status", "error", "status_changed_at", "updated_at"])
        audit_record_by(
            actor,
            "cases.document.generation_requested",
            target=draft.matter,
            payload={"draft": draft.pk},
        )
        transaction.on_commit(lambda: document_render.delay(draft.pk, user_id, language))


def _generation_failed(actor: Actor, draft: DocumentDraft, error: str, code: str) -> None:
    with transaction.atomic():
        DocumentDraft.objects.filter(pk=draft.pk).update(
            status=DocumentDraft.Status.FAILED, error=error, status_changed_at=timezone.now()
        )
        audit_record_by(
            actor,
            "cases.document.generation_failed",
            organization=draft.matter.organization,
            target=draft.matter,
            payload={"draft": draft.pk, "reason": code},
        )


def document_render_run(*, draft_id: int, user_id: int) -> DocumentVersion | None:
    """Render and keep a new version; on failure the draft is kept as it was, with a message.

    Runs in the worker as the person who asked, acting for the matter's organization as
    they are now: if they left it, or the client's consent ended since the click, the
    door refuses and nothing is rendered.
    """

    draft = DocumentDraft.objects.select_related(
        "matter__lead_attorney", "matter__organization", "matter__jurisdiction"
    ).get(pk=draft_id)
    # Claim the draft: a second task for the same click finds nothing; a redelivery
    # finds it only once the render it repeats has stalled (its worker died).
    now = timezone.now()
    claimed = (
        DocumentDraft.objects.filter(pk=draft.pk)
        .filter(
            Q(status=DocumentDraft.Status.GENERATING)
            | Q(
                status=DocumentDraft.Status.RENDERING,
                status_changed_at__lt=now - DocumentDraft.RENDER_PATIENCE,
            )
        )
        .update(status=DocumentDraft.Status.RENDERING, status_changed_at=now)
    )
    if not claimed:
        return None
    try:
        return _render_claimed(draft, user_id)
    except Exception:
        # Whatever stopped it (a time limit, a lost database), the page says so now
        # instead of waiting for the render's patience to run out.
        _generation_failed(_worker_actor(draft, user_id), draft, str(RENDER_CRASHED), "crashed")
        raise


def _worker_actor(draft: DocumentDraft, user_id: int) -> Actor:
    from aftercare.models import User

    return Actor.in_organization(
        user=User.objects.filter(pk=user_id).first(),
        organization_id=draft.matter.organization_id,
        channel=Channel.WORKER,
    )


def unprintable_message(
    draft: DocumentDraft, identity: ClientIdentity | None, codepoints: tuple[int, ...]
) -> str:
    """Which field holds characters no font has, and which characters (by code point and
    Unicode name, so that the script can be recognised)."""
    characters = {chr(c) for c in codepoints}
    fields = []
    if identity and characters & set(identity.get("legal_name") or ""):
        fields.append(str(CLIENT_NAME))
    labels = typed_field_labels(draft)
    for name, value in draft.fields.items():
        if name in labels and characters & set(str(value)):
            fields.append(f"“{labels[name]}”")
    named = ", ".join(f"U+{c:04X} {unicodedata.name(chr(c), '')}".strip() for c in codepoints[:5])
    return str(
        UNPRINTABLE
        % {
            "fields": ", ".join(fields) or str(UNPRINTABLE_ELSEWHERE),
            "characters": named + (" …" if len(codepoints) > 5 else ""),
        }
    )


def _render_claimed(draft: DocumentDraft, user_id: int) -> DocumentVersion | None:
    actor = _worker_actor(draft, user_id)
    try:
        identity = document_identity(actor=actor, matter=draft.matter)
        reason = name_missing_reason(draft.matter, identity)
    except IdentityWithheld as withheld:
        identity, reason = None, withheld.reason
    if reason:
        _generation_failed(actor, draft, str(NAME_WITHHELD % {"reason": reason}), "name_withheld")
        return None
    html = document_html(draft, identity=identity)
    try:
        variant = "pdf/a-2b" if draft.fields.get("pdf_a") == "on" else None
        rendered = render_pdf_limited(html, title=document_title(draft), variant=variant)
    except MissingGlyphError as missing:
        message = unprintable_message(draft, identity, missing.codepoints)
        _generation_failed(actor, draft, message, "unprintable_characters")
        return None
    except RenderTimeoutError:
        _generation_failed(actor, draft, str(RENDER_TOO_LONG), "render_too_long")
        return None
    except RenderError:
        _generation_failed(actor, draft, str(RENDER_FAILED), "render_failed")
        return None
    template = TEMPLATES[draft.template_code]
    with transaction.atomic():
        number = (draft.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = DocumentVersion.objects.create(
            draft=draft,
            matter=draft.matter,
            number=number,
            template_code=template.code,
            template_version=template.version,
            pdf_base64=base64.b64encode(rendered.pdf).decode(),
            sha256=hashlib.sha256(rendered.pdf).hexdigest(),
            pages=rendered.pages,
            snapshot_json=json.dumps(draft.fields),
            names_client=not draft.matter.file_under_pseudonym,
            created_by_id=user_id,
        )
        DocumentDraft.objects.filter(pk=draft.pk).update(
            status=DocumentDraft.Status.EDITING, status_changed_at=timezone.now()
        )
        audit_record_by(
            actor,
            "cases.document.generated",
            organization=draft.matter.organization,
            target=draft.matter,
            payload={"version": version.pk, "sha256": version.sha256},
        )
    return version


def document_download(*, actor: Actor, version: DocumentVersion) -> bytes:
    """The PDF, if the organization may still know everything it prints, now.

    A version that prints the client's name is refused once the organization no longer
    knows that name (a consent ended without an engagement): the PDF is the name. A
    version erased with the client's data has nothing left to hand out.
    """
    if version.is_erased:
        raise PermissionDenied(VERSION_ERASED)
    if version.names_client:
        # Asked whatever the matter's pseudonym flag says today: the version was made
        # with the name, and that is what it would hand out.
        try:
            identity = survivor_identity_for(
                actor=actor,
                survivor=version.matter.client,
                use=IdentityUse.DOCUMENT,
                fields={"legal_name"},
            )
            reason = identity.why_not("legal_name")
        except IdentityWithheld as withheld:
            reason = withheld.reason
        if reason:
            raise PermissionDenied(VERSION_WITHHELD % {"reason": reason})
    with transaction.atomic():
        audit_record_by(
            actor,
            "cases.document.downloaded",
            target=version.matter,
            payload={"version": version.pk},
        )
    return version.pdf
