"""Tasks on a matter's page: give one to someone on the team, complete, pass on, cancel."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.access import posted
from aftercare.audit import audit_record_for_request
from aftercare.forms import SaneDatesMixin
from aftercare.idempotency import idempotent_create
from cases.models import Matter, Task
from cases.services.matters import matter_open_for_user
from cases.services.tasks import task_cancel, task_complete, task_create, task_reassign


def _team_choices(matter: Matter):
    from django.contrib.auth import get_user_model

    team = matter.user_grants.filter(permission__codename="view_matter").values("user_id")
    return (
        get_user_model().objects.filter(is_active=True, pk__in=team).order_by("full_name", "email")
    )


class _Person(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.full_name or obj.email


class TaskForm(SaneDatesMixin, forms.ModelForm):
    class Meta:
        model = Task
        fields = ["title", "due_date", "assignee"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"})}
        field_classes = {"assignee": _Person}

    def __init__(self, *args, matter: Matter, **kwargs):
        # Ids of its own: the matter page also has the deadline form's "title".
        kwargs.setdefault("auto_id", "task-%s")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _team_choices(matter)


class ReassignForm(forms.Form):
    assignee = _Person(queryset=None)

    def __init__(self, *args, matter: Matter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _team_choices(matter)
        self.fields["assignee"].label = _("Pass it to")


def _tasks_url(matter) -> str:
    from cases.views.matters import matter_url

    return f"{matter_url(matter)}#tasks"


def _form_again(request, matter, form, task=None) -> HttpResponse:
    """A form that did not validate, on a page of its own: the matter's page stays as it is."""
    return render(request, "cases/task_form.html", {"matter": matter, "form": form, "task": task})


@require_POST
@idempotent_create
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk)
    form = TaskForm(posted(request), matter=matter)
    if not form.is_valid():
        return _form_again(request, matter, form)
    try:
        task_create(actor=request.actor, matter=matter, **form.cleaned_data)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            form.add_error(None, error)
            return _form_again(request, matter, form)
        for message in error.messages:
            messages.error(request, message)
        return redirect(_tasks_url(matter))
    messages.success(request, _("Task added."))
    return redirect(_tasks_url(matter))


@require_POST
def task_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete, cancel or pass on a task: whoever sees its matter may."""
    matter_id = Task.objects.filter(pk=pk).values_list("matter_id", flat=True).first()
    if matter_id is None:
        # Recorded as any refused fetch is: a run of guessed ids shows in the trail.
        audit_record_for_request(
            request,
            "aftercare.access.denied",
            object_type="cases.task",
            object_id=str(pk),
            payload={"method": request.method},
        )
        raise Http404
    matter = matter_open_for_user(request=request, pk=matter_id)
    task = Task.objects.select_related("matter").get(pk=pk)
    action = request.POST.get("action")
    try:
        if action == "complete":
            task_complete(actor=request.actor, task=task)
            messages.success(request, _("Task done."))
        elif action == "cancel":
            task_cancel(actor=request.actor, task=task)
            messages.success(request, _("Task cancelled."))
        elif action == "reassign":
            form = ReassignForm(posted(request), matter=matter)
            if not form.is_valid():
                return _form_again(request, matter, form, task)
            task_reassign(actor=request.actor, task=task, assignee=form.cleaned_data["assignee"])
            messages.success(request, _("Task passed on."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    if request.POST.get("next") == "dashboard":
        return redirect("dashboard")
    return redirect(_tasks_url(matter))
