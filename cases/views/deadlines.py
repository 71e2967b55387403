"""Adding, confirming and closing deadlines; the member's month calendar."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as time_of_day

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.access import fetch_for_user, posted, require_sudo_mode, second_factor_not_required
from aftercare.forms import FIRST_SANE_DATE, LAST_SANE_DATE
from aftercare.idempotency import idempotent_create
from cases import forms
from cases.models import CalendarFeed, Deadline, Matter, Task
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
    # The title is encrypted at rest and shown on the matter only: not in a message.
    messages.success(request, _("Deadline confirmed."))
    return redirect(f"{matter_url(deadline.matter)}#deadlines")


@require_POST
def deadline_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    deadline = _deadline_for_change(request, pk)
    if request.POST.get("status") in Deadline.Status.values:
        deadline_set_status(actor=request.actor, deadline=deadline, status=request.POST["status"])
        messages.success(
            request,
            _("Deadline marked “%(status)s”.") % {"status": deadline.get_status_display()},
        )
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


@dataclass(frozen=True)
class CalendarEntry:
    """One line in a day of the calendar: what kind of date, on which matter, and the
    typed title only where it says more than the kind ("Hearing", not "Hearing
    (Hearing)")."""

    kind: str
    matter_number: str
    url: str
    time: time_of_day | None = None
    detail: str = ""
    overdue: bool = False
    unconfirmed: bool = False


def _detail(title: str, *kind_names: str) -> str:
    """The typed title, unless it only repeats the kind, in English or as shown."""
    same = {"", *(str(name).casefold() for name in kind_names)}
    return "" if title.strip().casefold() in same else title


def _calendar_entries(membership, first_day: date, last_day: date, today: date):
    """The member's deadlines and hearings (every one on matters they see) and their own
    open tasks, by day; two queries however many there are."""
    deadlines = (
        Deadline.objects.visible_to(membership)
        .filter(due_date__gte=first_day, due_date__lte=last_day)
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
    tasks = (
        Task.objects.open()
        .filter(
            assignee_id=membership.user_id,
            matter__in=Matter.objects.visible_to(membership),
            due_date__gte=first_day,
            due_date__lte=last_day,
        )
        .select_related("matter")
        .only("id", "title", "due_date", "status", "matter__number", "matter_id")
    )
    with translation.override("en"):
        english = {value: str(label) for value, label in Deadline.Kind.choices}
    by_day: dict[date, list[CalendarEntry]] = {}
    for deadline in deadlines:
        kind = deadline.get_kind_display()
        by_day.setdefault(deadline.due_date, []).append(
            CalendarEntry(
                kind=kind,
                matter_number=deadline.matter.number,
                url=f"{reverse('cases:detail', args=[deadline.matter_id])}#deadlines",
                time=deadline.due_time,
                detail=_detail(deadline.title, kind, english[deadline.kind]),
                overdue=deadline.is_overdue(today),
                unconfirmed=deadline.needs_confirmation,
            )
        )
    for task in tasks:
        kind = _("Task")
        by_day.setdefault(task.due_date, []).append(
            CalendarEntry(
                kind=kind,
                matter_number=task.matter.number,
                url=f"{reverse('cases:detail', args=[task.matter_id])}#tasks",
                detail=_detail(task.title, kind, "Task"),
                overdue=task.is_overdue(today),
            )
        )
    for entries in by_day.values():
        entries.sort(key=lambda entry: (entry.time is None, entry.time or time_of_day()))
    return by_day


def month_calendar(request: HttpRequest, new_feed_address: str | None = None) -> HttpResponse:
    """The member's deadlines, hearings and tasks for one month: a grid of weeks, or the
    same days as an agenda (`?view=agenda`)."""
    today = timezone.localdate()
    first = _month_asked(request, today)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    by_day = _calendar_entries(request.membership, weeks[0][0], weeks[-1][-1], today)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "cases/calendar.html",
        {
            "month": first,
            "today": today,
            "agenda": request.GET.get("view") == "agenda",
            "previous": previous if previous >= FIRST_SANE_DATE else None,
            "following": following if following <= LAST_SANE_DATE else None,
            "weekdays": weeks[0],
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "new_feed_address": new_feed_address,
            "new_feed_webcal": _webcal(new_feed_address),
            "has_feed": CalendarFeed.objects.filter(membership=request.membership).exists(),
        },
    )


def _webcal(address: str | None) -> str | None:
    """The same address under webcal://, which calendar apps open as a subscription."""
    if not address:
        return None
    return "webcal://" + address.split("://", 1)[1]


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
