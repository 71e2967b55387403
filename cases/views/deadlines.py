"""Adding, confirming and closing deadlines; the member's month calendar."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.access import fetch_for_user, posted, require_sudo_mode, second_factor_not_required
from aftercare.forms import FIRST_SANE_DATE, LAST_SANE_DATE
from aftercare.idempotency import idempotent_create
from cases import forms
from cases.models import CalendarFeed, Deadline
from cases.services.calendar_feed import (
    calendar_feed_issue,
    calendar_feed_membership,
    calendar_feed_render,
    calendar_feed_revoke,
)
from cases.services.deadlines import (
    deadline_add,
    deadline_add_computed,
    deadline_confirm,
    deadline_set_status,
)
from cases.services.matters import matter_open_for_user
from cases.views.matters import _rerender, matter_team, matter_url


@require_POST
@idempotent_create
def deadline_new(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk, for_change=True)
    if "rule" in request.POST:
        form = forms.ComputedDeadlineForm(posted(request), matter=matter)
        if form.is_valid():
            try:
                deadline_add_computed(actor=request.actor, matter=matter, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Deadline computed. Check how, then confirm it."))
                return redirect(f"{matter_url(matter)}#deadlines")
        return _rerender(request, matter, computed_form=form)
    form = forms.DeadlineForm(posted(request), team=matter_team(matter))
    if form.is_valid():
        data = dict(form.cleaned_data)
        responsible = data.pop("responsible")
        deadline_add(actor=request.actor, matter=matter, data=data, responsible=responsible)
        return redirect(f"{matter_url(matter)}#deadlines")
    return _rerender(request, matter, deadline_form=form)


def _deadline_for_change(request, pk) -> Deadline:
    deadline = fetch_for_user(request, Deadline.objects.select_related("matter"), pk=pk)
    matter_open_for_user(request=request, pk=deadline.matter_id, for_change=True)
    return deadline


@require_POST
def deadline_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    deadline = _deadline_for_change(request, pk)
    deadline_confirm(actor=request.actor, deadline=deadline)
    return redirect(f"{matter_url(deadline.matter)}#deadlines")


@require_POST
def deadline_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    deadline = _deadline_for_change(request, pk)
    if request.POST.get("status") in Deadline.Status.values:
        deadline_set_status(actor=request.actor, deadline=deadline, status=request.POST["status"])
    return redirect(f"{matter_url(deadline.matter)}#deadlines")


def _month_asked(request: HttpRequest, today: date) -> date:
    """The first day of the `?month=YYYY-MM` asked for; this month when there is none, it
    is not a month, or it is outside 1900-2100 (where the previous and next links would
    leave the calendar)."""
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        return today.replace(day=1)
    if not FIRST_SANE_DATE <= first <= LAST_SANE_DATE:
        messages.warning(
            request, _("That month is out of range: the calendar shows this month instead.")
        )
        return today.replace(day=1)
    return first


def month_calendar(request: HttpRequest, new_feed_address: str | None = None) -> HttpResponse:
    """The member's deadlines and hearings for one month, week by week."""
    today = timezone.localdate()
    first = _month_asked(request, today)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    items = (
        Deadline.objects.visible_to(request.membership)
        .filter(due_date__gte=weeks[0][0], due_date__lte=weeks[-1][-1])
        .select_related("matter")
        .only(
            "id",
            "title",
            "kind",
            "due_date",
            "due_time",
            "status",
            "rule_id",
            "confirmed_at",
            "matter__number",
            "matter_id",
        )
    )
    by_day: dict[date, list[Deadline]] = {}
    for item in items:
        by_day.setdefault(item.due_date, []).append(item)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "cases/calendar.html",
        {
            "month": first,
            "today": today,
            "previous": previous if previous >= FIRST_SANE_DATE else None,
            "following": following if following <= LAST_SANE_DATE else None,
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "new_feed_address": new_feed_address,
            "has_feed": CalendarFeed.objects.filter(membership=request.membership).exists(),
        },
    )


@login_not_required
@second_factor_not_required
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The .ics address a calendar app polls; a wrong or revoked token is a plain 404."""
    membership = calendar_feed_membership(token)
    if membership is None:
        raise Http404
    return HttpResponse(
        calendar_feed_render(membership), content_type="text/calendar; charset=utf-8"
    )


@require_POST
@require_sudo_mode
@idempotent_create
def calendar_feed_manage(request: HttpRequest) -> HttpResponse:
    if request.POST.get("action") == "revoke":
        calendar_feed_revoke(actor=request.actor)
        messages.success(request, _("The calendar address no longer works."))
        return redirect("cases:calendar")
    token = calendar_feed_issue(actor=request.actor)
    address = request.build_absolute_uri(reverse("cases:feed", args=[token]))
    return month_calendar(request, new_feed_address=address)
