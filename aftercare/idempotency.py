"""One object per form: a double click, a retried POST or a form sent again from a
stale tab makes what the first submission made, and the later ones land where it went.

Each create form carries a one-time token (`{% submission_token %}`). The view, wrapped
in `@idempotent_create`, claims the token by inserting a row whose token is unique, in
the same transaction as the create. On PostgreSQL the second of two concurrent inserts
waits on the unique index until the first transaction ends: if it committed, the second
is refused and answered with the first one's redirect; if it rolled back, the second
runs as if it were first. No lock is held across requests, and nothing personal is
kept: a token, a hash of the address posted to (a join link holds a secret), and the
address the first submission was sent to.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

FIELD = "submission_token"
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A form left open longer than this and sent again creates again: by then it is a new
# decision, not a double click, and the table stays small.
KEPT_FOR = timedelta(days=2)


def submission_token_new() -> str:
    return secrets.token_urlsafe(18)


class Submission(models.Model):
    """A create form's token, claimed once, and where its first submission was sent."""

    # Null for a form sent before signing in (joining by invitation).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True)
    path_digest = models.CharField(max_length=64)
    redirected_to = models.CharField(max_length=500, blank=True)
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "aftercare"
        indexes = [models.Index(fields=["claimed_at"], name="submission_claimed_at")]

    def __str__(self) -> str:
        return f"submission {self.pk}"


def _token_of(request: HttpRequest) -> str | None:
    if request.method != "POST":
        return None
    token = request.POST.get(FIELD, "")
    return token if _SHAPE.match(token) else None


def _digest(path: str) -> str:
    return hashlib.sha256(path.encode()).hexdigest()


def _user_of(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


def _claim(request: HttpRequest, token: str) -> Submission | None:
    """The new claim, or None when this token was claimed (and committed) before."""
    try:
        with transaction.atomic():
            return Submission.objects.create(
                user=_user_of(request), token=token, path_digest=_digest(request.path)
            )
    except IntegrityError:
        return None


def _answer_again(request: HttpRequest, token: str, view, args, kwargs) -> HttpResponse:
    earlier = Submission.objects.filter(token=token).first()
    same_form = (
        earlier is not None
        and earlier.path_digest == _digest(request.path)
        and earlier.user_id in (None, request.user.pk)
    )
    if same_form and earlier.redirected_to:
        return redirect(earlier.redirected_to)
    # The first answer was the form again (it did not validate) or the token belongs to
    # another form: nothing was made under it, so this submission is judged on its own.
    return view(request, *args, **kwargs)


def idempotent_create(view):
    """Run a create view at most once per submission token; a repeat gets the same redirect.

    Put it nearest the view, under the access decorators, so a redirect to sign in or
    to confirm the password is never remembered as the answer.
    """

    @wraps(view)
    def once(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = _token_of(request)
        if token is None:
            return view(request, *args, **kwargs)
        failure = None
        with transaction.atomic():
            claim = _claim(request, token)
            if claim is None:
                return _answer_again(request, token, view, args, kwargs)
            try:
                response = view(request, *args, **kwargs)
            except Exception as error:
                if connection.needs_rollback:
                    raise
                # A refusal (404, 403) keeps its audit event; only the claim goes, so
                # the same form may be sent again once the reason is gone.
                claim.delete()
                failure = error
            else:
                if response.status_code in (301, 302, 303):
                    claim.redirected_to = response["Location"][:500]
                    claim.save(update_fields=["redirected_to"])
                return response
        raise failure

    return once


def submissions_forget(*, now=None) -> int:
    """Drop claims older than KEPT_FOR (their forms have long been answered)."""
    cutoff = (now or timezone.now()) - KEPT_FOR
    deleted, _by_model = Submission.objects.filter(claimed_at__lt=cutoff).delete()
    return deleted
