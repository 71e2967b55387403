"""The attorney gives the paralegal a task on a demo matter; the paralegal finds it on
the dashboard and marks it done; the matter's tasks read in Spanish."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from aftercare.models import User
from cases.models import Matter, Task
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ATTORNEY = "attorney@harbor.example"
PARALEGAL = "paralegal@harbor.example"
TEXT = "Ask the consulate for the interview date"


def test_the_attorney_adds_a_task_and_the_paralegal_completes_it(
    page, open_context, live_server, demo
):
    base = live_server.url
    paralegal = User.objects.get(email=PARALEGAL)
    matter = Matter.objects.filter(user_grants__user=paralegal).order_by("pk").first()
    sign_in(page, base, ATTORNEY, demo)
    page.goto(base + reverse("cases:detail", args=[matter.pk]))
    tasks = page.get_by_role("region", name="Tasks")
    tasks.get_by_text("Add a task").click()
    tasks.get_by_label("What to do").fill(TEXT)
    tasks.get_by_label("Due date").fill(timezone.localdate().isoformat())
    tasks.get_by_label("Who", exact=True).select_option(label=paralegal.full_name or PARALEGAL)
    tasks.get_by_role("button", name="Add the task").click()
    expect(page.get_by_role("status")).to_contain_text("Task added.")
    expect(
        page.get_by_role("region", name="Tasks").locator("li").filter(has_text=TEXT)
    ).to_be_visible()

    other = open_context()
    sign_in(other, base, PARALEGAL, demo)
    mine = other.get_by_role("region", name="Tasks").locator("li").filter(has_text=TEXT)
    expect(mine).to_contain_text(matter.number)
    mine.get_by_role("button", name="Done").click()
    expect(other.get_by_role("status")).to_contain_text("Task done.")
    expect(other.get_by_text(TEXT)).to_have_count(0)
    assert Task.objects.get(matter=matter, status="done").closed_by == paralegal

    other.get_by_label("Language", exact=True).select_option("es")
    other.locator("form.language-form button").click()
    other.goto(base + reverse("cases:detail", args=[matter.pk]))
    expect(
        other.get_by_role("region", name="Tareas").get_by_text("Añadir una tarea")
    ).to_be_visible()
