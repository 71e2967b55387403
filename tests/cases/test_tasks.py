"""Tasks on a matter: given to someone on its team, on their dashboard and in their
calendar feed (never the typed text there), completed, passed on or cancelled."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from aftercare.access import access_grant
from aftercare.history import FieldChange
from aftercare.models import AuditEvent
from cases.models import Task
from cases.services.calendar_feed import calendar_feed_render
from cases.services.tasks import task_create
from tests.actors import lead_actor
from tests.canary import tables_containing
from tests.factories import make_matter

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
AT_NINE = pytest.mark.time_machine(datetime(2027, 3, 1, 9, 0, tzinfo=NY), tick=False)
CANARY = "Call Rosa Canarytask at the shelter"


@pytest.fixture
def matter(harbor, attorney, paralegal):
    matter = make_matter(harbor, lead=attorney.user)
    access_grant(user=paralegal.user, obj=matter, actions=("view", "change"))
    return matter


def add_task(client, matter, assignee, due="2027-03-05", title=CANARY, **headers):
    return client.post(
        reverse("cases:task_add", args=[matter.pk]),
        {"title": title, "due_date": due, "assignee": assignee.pk},
        **headers,
    )


def change(client, task, action, **data):
    return client.post(reverse("cases:task_change", args=[task.pk]), {"action": action, **data})


@AT_NINE
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_attorney_gives_the_paralegal_a_task_and_it_is_on_their_dashboard(
    matter, attorney, paralegal, client_for, language
):
    # A date input sends ISO in every language.
    response = add_task(client_for(attorney), matter, paralegal.user, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302, response.content
    task = Task.objects.get()
    assert (task.title, task.due_date, task.assignee, task.status) == (
        CANARY,
        date(2027, 3, 5),
        paralegal.user,
        Task.Status.OPEN,
    )
    assert AuditEvent.objects.filter(action="cases.task.created").count() == 1
    dashboard = client_for(paralegal).get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE=language)
    assert CANARY in dashboard.text and matter.number in dashboard.text
    heading = "Mis tareas abiertas" if language == "es" else "My open tasks"
    assert heading in dashboard.text
    assert CANARY in client_for(attorney).get(reverse("cases:detail", args=[matter.pk])).text


@AT_NINE
def test_the_assignee_completes_it_from_the_dashboard_and_it_leaves(
    matter, attorney, paralegal, client_for
):
    add_task(client_for(attorney), matter, paralegal.user)
    task = Task.objects.get()
    client = client_for(paralegal)
    response = change(client, task, "complete", next="dashboard")
    assert response.status_code == 302 and response.url == reverse("dashboard")
    task.refresh_from_db()
    assert task.status == Task.Status.DONE and task.closed_by == paralegal.user
    assert CANARY not in client.get(reverse("dashboard")).text
    history = FieldChange.objects.of(task).get()
    assert (history.field, history.old_value, history.new_value) == ("status", "open", "done")
    assert AuditEvent.objects.filter(action="cases.task.completed").count() == 1
    # A second click finds it closed: nothing changes again.
    change(client, task, "cancel")
    task.refresh_from_db()
    assert task.status == Task.Status.DONE


@AT_NINE
def test_a_task_is_passed_on_and_cancelled(matter, attorney, paralegal, client_for):
    client = client_for(attorney)
    add_task(client, matter, paralegal.user)
    task = Task.objects.get()
    assert change(client, task, "reassign", assignee=attorney.user_id).status_code == 302
    task.refresh_from_db()
    assert task.assignee == attorney.user
    assert CANARY not in client_for(paralegal).get(reverse("dashboard")).text
    assert CANARY in client.get(reverse("dashboard")).text
    change(client, task, "cancel")
    task.refresh_from_db()
    assert task.status == Task.Status.CANCELLED
    fields = sorted(FieldChange.objects.of(task).values_list("field", flat=True))
    assert fields == ["assignee", "status"]


@AT_NINE
def test_the_assignee_must_be_on_the_matter(
    matter, harbor, attorney, unassigned_volunteer, client_for
):
    client = client_for(attorney)
    response = add_task(client, matter, unassigned_volunteer.user)
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert CANARY in response.text, "the form comes back with what was typed"
    task = task_create(
        actor=lead_actor(matter),
        matter=matter,
        title="File it",
        due_date=date(2027, 3, 2),
        assignee=attorney.user,
    )
    response = change(client, task, "reassign", assignee=unassigned_volunteer.user_id)
    assert response.status_code == 200 and "Select a valid choice" in response.text
    task.refresh_from_db()
    assert task.assignee == attorney.user
    assert not Task.objects.filter(assignee=unassigned_volunteer.user).exists()


@AT_NINE
def test_a_date_outside_reason_is_a_form_error(matter, attorney, client_for):
    response = add_task(client_for(attorney), matter, attorney.user, due="3027-01-01")
    assert response.status_code == 200
    assert not Task.objects.exists()


@AT_NINE
def test_a_reader_of_the_matter_may_add_tasks(harbor, attorney, paralegal, client_for):
    """Anyone on a matter gives tasks: a paralegal who only reads it too (a reminder to
    the attorney is no change to the matter)."""
    matter = make_matter(harbor, lead=attorney.user)
    access_grant(user=paralegal.user, obj=matter, actions=("view",))
    assert add_task(client_for(paralegal), matter, attorney.user).status_code == 302
    assert Task.objects.get().assignee == attorney.user


@AT_NINE
def test_a_closed_matter_takes_no_new_task(matter, attorney, client_for):
    from cases.services.matters import matter_close

    matter_close(actor=lead_actor(matter), matter=matter, outcome="granted", reason="")
    add_task(client_for(attorney), matter, attorney.user)
    assert not Task.objects.exists()


@AT_NINE
def test_the_calendar_feed_carries_the_task_under_a_generated_title(
    matter, attorney, paralegal, client_for
):
    add_task(client_for(attorney), matter, paralegal.user)
    events = Calendar.from_ical(calendar_feed_render(paralegal)).walk("VEVENT")
    assert [(str(e["summary"]), e["dtstart"].dt) for e in events] == [
        (f"Task · {matter.number}", date(2027, 3, 5))
    ]
    assert b"Canarytask" not in calendar_feed_render(paralegal)
    assert Calendar.from_ical(calendar_feed_render(attorney)).walk("VEVENT") == []
    change(client_for(paralegal), Task.objects.get(), "complete")
    assert Calendar.from_ical(calendar_feed_render(paralegal)).walk("VEVENT") == []


@AT_NINE
def test_the_task_text_is_never_stored_in_plaintext(matter, attorney, paralegal, client_for):
    add_task(client_for(attorney), matter, paralegal.user)
    change(client_for(attorney), Task.objects.get(), "reassign", assignee=attorney.user_id)
    assert tables_containing("Canarytask") == []


@AT_NINE
def test_coordinators_see_the_organizations_overdue_tasks(
    matter, attorney, paralegal, coordinator, client_for
):
    actor = lead_actor(matter)
    task_create(
        actor=actor,
        matter=matter,
        title="Overdue canary",
        due_date=date(2027, 2, 20),
        assignee=paralegal.user,
    )
    task_create(
        actor=actor,
        matter=matter,
        title="Not yet due",
        due_date=date(2027, 3, 20),
        assignee=paralegal.user,
    )
    page = client_for(coordinator).get(reverse("dashboard")).text
    overdue = page.split("Overdue tasks in the organization")[1]
    assert "Overdue canary" in overdue and "Not yet due" not in overdue
    assert "Overdue tasks in the organization" not in client_for(attorney).get("/").text


@AT_NINE
def test_the_dashboard_keeps_a_constant_query_count(
    harbor, attorney, paralegal, client_for, django_assert_max_num_queries
):
    client = client_for(paralegal)
    first = make_matter(harbor, lead=attorney.user)
    access_grant(user=paralegal.user, obj=first, actions=("view", "change"))
    task_create(
        actor=lead_actor(first),
        matter=first,
        title="One",
        due_date=date(2027, 3, 2),
        assignee=paralegal.user,
    )
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(200) as few:
        client.get(reverse("dashboard"))
    for n in range(8):
        other = make_matter(harbor, lead=attorney.user)
        access_grant(user=paralegal.user, obj=other, actions=("view", "change"))
        task_create(
            actor=lead_actor(other),
            matter=other,
            title=f"Task number {n}",
            due_date=date(2027, 3, 3 + n),
            assignee=paralegal.user,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("dashboard")).text
    assert "Task number 7" in page


@AT_NINE
def test_the_matter_page_keeps_a_constant_query_count(
    matter, attorney, paralegal, client_for, django_assert_max_num_queries
):
    client = client_for(attorney)
    actor = lead_actor(matter)
    task_create(
        actor=actor, matter=matter, title="One", due_date=date(2027, 3, 2), assignee=attorney.user
    )
    url = reverse("cases:detail", args=[matter.pk])
    client.get(url)
    with django_assert_max_num_queries(200) as few:
        client.get(url)
    for n in range(8):
        task_create(
            actor=actor,
            matter=matter,
            title=f"Task number {n}",
            due_date=date(2027, 3, 3 + n),
            assignee=paralegal.user if n % 2 else attorney.user,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "Task number 7" in client.get(url).text


def test_the_demo_has_open_tasks_one_for_the_paralegal_on_their_dashboard(client_for):
    import io

    from django.core.management import call_command

    from aftercare.models import Membership

    call_command("seed_demo", stdout=io.StringIO())
    paralegal = Membership.objects.get(user__email="paralegal@harbor.example")
    mine = Task.objects.open().filter(assignee=paralegal.user)
    assert mine.count() >= 1 and Task.objects.open().count() >= 3
    dashboard = client_for(paralegal).get(reverse("dashboard")).text
    assert mine.first().title in dashboard


@AT_NINE
@pytest.mark.parametrize("action", ["create", "complete", "cancel", "reassign"])
def test_a_failed_audit_write_undoes_the_change_and_its_history(
    matter, attorney, paralegal, monkeypatch, action
):
    from cases.services.tasks import task_cancel, task_complete, task_reassign
    from tests.database_state import AuditWriteError, audit_writes_fail, database_state

    actor = lead_actor(matter)
    task = task_create(
        actor=actor, matter=matter, title=CANARY, due_date=date(2027, 3, 5), assignee=attorney.user
    )
    before = database_state()
    audit_writes_fail(monkeypatch)
    run = {
        "create": lambda: task_create(
            actor=actor,
            matter=matter,
            title="x",
            due_date=date(2027, 3, 6),
            assignee=paralegal.user,
        ),
        "complete": lambda: task_complete(actor=actor, task=task),
        "cancel": lambda: task_cancel(actor=actor, task=task),
        "reassign": lambda: task_reassign(actor=actor, task=task, assignee=paralegal.user),
    }[action]
    with pytest.raises(AuditWriteError):
        run()
    after = database_state()
    for table in ("cases.task", "aftercare.fieldchange"):
        assert after[table] == before[table]


@AT_NINE
def test_the_matter_page_shows_the_task_form_in_spanish(matter, attorney, client_for):
    page = client_for(attorney).get(
        reverse("cases:detail", args=[matter.pk]), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert "Añadir una tarea" in page.text and "No hay tareas abiertas." in page.text


def test_a_task_id_that_does_not_exist_is_404_and_recorded_as_refused(attorney, client_for):
    response = change(client_for(attorney), Task(pk=987654), "complete")
    assert response.status_code == 404
    refused = AuditEvent.objects.filter(action="aftercare.access.denied", object_type="cases.task")
    assert list(refused.values_list("object_id", flat=True)) == ["987654"]


def test_every_field_on_the_matter_page_has_an_id_of_its_own(
    matter, attorney, paralegal, client_for
):
    client = client_for(attorney)
    add_task(client, matter, paralegal.user, title="First")
    add_task(client, matter, paralegal.user, title="Second")
    page = client.get(reverse("cases:detail", args=[matter.pk])).text
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for task in Task.objects.all():
        assert re.search(f'<label[^>]* for="reassign-{task.pk}-assignee"', page)
