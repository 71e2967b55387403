"""The member's calendar: a month grid (or agenda) of deadlines, hearings and their own
tasks, read in English and Spanish; and the feed their calendar app subscribes to."""

import re
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import strip_tags
from icalendar import Calendar

from cases.models import Deadline, Task
from cases.services.calendar_feed import calendar_feed_render
from tests.factories import make_matter, make_survivor

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
# Thursday 3 December 2026, nine in the morning in New York.
AT_NINE = pytest.mark.time_machine(datetime(2026, 12, 3, 9, 0, tzinfo=NY), tick=False)
CANARY = "Rosa Canarycal at the shelter"


class MonthTable(HTMLParser):
    """The month grid as a person or screen reader meets it: caption, column headers,
    and each day cell's text and links."""

    def __init__(self, page: str):
        super().__init__()
        self.caption = ""
        self.headers: list[str] = []
        self.cells: list[dict] = []
        self._in: str | None = None
        self._link: dict | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("caption", "th"):
            self._in = tag
            if tag == "th":
                self.headers.append("")
        elif tag == "td":
            self._in = "td"
            self.cells.append({"text": "", "links": [], "attrs": attrs})
        elif tag == "a" and self._in == "td":
            self._link = {"href": attrs["href"], "text": ""}
            self.cells[-1]["links"].append(self._link)

    def handle_endtag(self, tag):
        if tag in ("caption", "th", "td"):
            self._in = None
        elif tag == "a":
            self._link = None

    def handle_data(self, data):
        if self._in == "caption":
            self.caption += data
        elif self._in == "th":
            self.headers[-1] += data
        elif self._in == "td":
            self.cells[-1]["text"] += data
            if self._link is not None:
                self._link["text"] += data

    def day(self, label: str) -> dict:
        """The cell whose (screen-reader) date reads `label`, e.g. "Thursday December 10"."""
        found = re.compile(re.escape(label) + r"(?!\d)")
        (cell,) = [c for c in self.cells if found.search(" ".join(c["text"].split()))]
        return cell


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def matter(harbor, attorney):
    client = make_survivor(harbor, legal_name="Yesenia Canaryname")
    return make_matter(harbor, lead=attorney.user, client=client, sub_kind="t_visa")


def deadline(matter, by, *, kind="filing", title="T visa application (I-914)", **fields):
    made = Deadline.objects.create(
        matter=matter, kind=kind, title=title, created_by=by.user, **fields
    )
    made.responsible.add(by.user)
    return made


def fill_month(matter, attorney, paralegal):
    """A hearing titled just "Hearing" at 9:30, a filing today, the attorney's own task
    and a task of someone else's."""
    deadline(
        matter,
        attorney,
        kind="hearing",
        title="Hearing",
        due_date=date(2026, 12, 10),
        due_time=time(9, 30),
    )
    deadline(matter, attorney, due_date=date(2026, 12, 3))
    Task.objects.create(
        matter=matter,
        title="Call the client back",
        due_date=date(2026, 12, 15),
        assignee=attorney.user,
        created_by=attorney.user,
    )
    Task.objects.create(
        matter=matter,
        title="Not mine",
        due_date=date(2026, 12, 16),
        assignee=paralegal.user,
        created_by=attorney.user,
    )


@AT_NINE
def test_the_month_grid_lists_each_days_entries_as_links(matter, attorney, paralegal, client_for):
    fill_month(matter, attorney, paralegal)
    page = client_for(attorney).get(reverse("cases:calendar")).content.decode()
    table = MonthTable(page)

    assert squash(table.caption) == "Deadlines, hearings and tasks in December 2026"
    assert [squash(h) for h in table.headers] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert len(table.cells) == 35, "five weeks, Monday 30 November to Sunday 3 January"
    detail = reverse("cases:detail", args=[matter.pk])
    hearing = table.day("Thursday December 10")
    assert [(squash(a["text"]), a["href"]) for a in hearing["links"]] == [
        (f"09:30 Hearing · {matter.number}", f"{detail}#deadlines")
    ]
    assert "(Hearing)" not in page and "Hearing: Hearing" not in page
    today = table.day("Thursday December 3")
    assert today["attrs"].get("aria-current") == "date"
    assert [squash(a["text"]) for a in today["links"]] == [
        f"Filing · {matter.number}: T visa application (I-914)"
    ]
    assert "today" in today["text"]
    task = table.day("Tuesday December 15")
    assert [(squash(a["text"]), a["href"]) for a in task["links"]] == [
        (f"Task · {matter.number}: Call the client back", f"{detail}#tasks")
    ]
    assert "Not mine" not in page, "another member's task is on their calendar, not this one"
    assert 'href="?month=2026-11" rel="prev"' in page
    assert 'href="?month=2027-01" rel="next"' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "an inline script breaks the CSP"
    assert " style=" not in page


@AT_NINE
def test_the_month_reads_in_spanish(matter, attorney, paralegal, client_for):
    fill_month(matter, attorney, paralegal)
    page = (
        client_for(attorney)
        .get(reverse("cases:calendar"), {"month": "2026-12"}, HTTP_ACCEPT_LANGUAGE="es")
        .content.decode()
    )
    table = MonthTable(page)

    assert squash(table.caption) == "Plazos, audiencias y tareas en diciembre de 2026"
    assert [squash(h) for h in table.headers][:3] == ["lunes", "martes", "miércoles"]
    hearing = table.day("jueves 10 de diciembre")  # typed "Hearing" repeats the kind
    assert [squash(a["text"]) for a in hearing["links"]] == [f"09:30 Audiencia · {matter.number}"]
    task = table.day("martes 15 de diciembre")
    assert [squash(a["text"]) for a in task["links"]] == [
        f"Tarea · {matter.number}: Call the client back"
    ]
    assert "Mes anterior" in page and "Cuadrícula del mes" in page


@AT_NINE
def test_other_months_and_the_agenda(matter, attorney, paralegal, client_for):
    fill_month(matter, attorney, paralegal)
    client = client_for(attorney)
    january = MonthTable(client.get(reverse("cases:calendar"), {"month": "2027-01"}).text)
    assert squash(january.caption) == "Deadlines, hearings and tasks in January 2027"
    assert all(not cell["links"] for cell in january.cells)

    agenda = client.get(reverse("cases:calendar"), {"view": "agenda"}).text
    assert "<table" not in agenda
    assert f"09:30 Hearing · {matter.number}" in squash(strip_tags(agenda))
    assert 'href="?month=2027-01&amp;view=agenda" rel="next"' in agenda
    assert 'aria-current="page">Agenda' in agenda


@AT_NINE
def test_the_month_costs_the_same_queries_with_many_entries(
    matter, attorney, paralegal, client_for, django_assert_max_num_queries
):
    client = client_for(attorney)
    deadline(matter, attorney, due_date=date(2026, 12, 1))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("cases:calendar")).status_code == 200
    other = make_matter(matter.organization, lead=attorney.user)
    for day in range(1, 29):
        on = other if day % 2 else matter
        deadline(on, attorney, kind="hearing", due_date=date(2026, 12, day), due_time=time(10))
        Task.objects.create(
            matter=on,
            title="t",
            due_date=date(2026, 12, day),
            assignee=attorney.user,
            created_by=attorney.user,
        )
    with django_assert_max_num_queries(len(few)):
        page = client.get(reverse("cases:calendar")).text
    assert page.count("calendar-entry__time") == 28


def issue_feed(membership, client_for) -> str:
    page = client_for(membership, sudo=True).post(reverse("cases:feed_manage"), {"action": "issue"})
    return page.text


@AT_NINE
def test_the_feed_is_offered_as_a_webcal_link_and_a_field_to_copy(attorney, client_for):
    page = issue_feed(attorney, client_for)
    https = page.split('<code class="secret">')[1].split("</code>")[0]
    webcal = "webcal://" + https.split("://", 1)[1]
    assert f'<a class="usa-button" href="{webcal}">Subscribe in your calendar app</a>' in page
    field = re.search(r'<input type="text" id="feed-address"[^>]*>', page).group(0)
    assert f'value="{webcal}"' in field and "readonly" in field
    assert '<label for="feed-address">Calendar address</label>' in page
    assert re.search(r'<button type="button"[^>]*data-copy-from="feed-address" hidden>', page), (
        "without JavaScript there is no button that does nothing"
    )
    assert "js/calendar_feed" in page
    assert Client().get(https.split("testserver", 1)[1]).status_code == 200

    spanish = (
        client_for(attorney, sudo=True)
        .post(reverse("cases:feed_manage"), {"action": "issue"}, HTTP_ACCEPT_LANGUAGE="es")
        .text
    )
    assert "Copiar la dirección" in spanish and "Dirección del calendario" in spanish


@AT_NINE
def test_the_feed_carries_time_zones_and_ends_and_nothing_typed(
    matter, attorney, paralegal, client_for
):
    deadline(
        matter,
        attorney,
        kind="hearing",
        title=CANARY,
        location=CANARY,
        due_date=date(2026, 12, 10),
        due_time=time(9, 30),
    )
    deadline(
        matter,
        attorney,
        kind="response",
        title=CANARY,
        due_date=date(2027, 7, 1),
        due_time=time(17, 0),
        time_zone="America/Los_Angeles",
    )
    deadline(matter, attorney, title=CANARY, due_date=date(2026, 12, 3))
    Task.objects.create(
        matter=matter,
        title=CANARY,
        due_date=date(2026, 12, 15),
        assignee=attorney.user,
        created_by=attorney.user,
    )
    page = issue_feed(attorney, client_for)
    https = page.split('<code class="secret">')[1].split("</code>")[0]
    ics = Client().get(https.split("testserver", 1)[1]).content

    assert b"Canarycal" not in ics and b"shelter" not in ics
    calendar = Calendar.from_ical(ics)
    assert {str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")} == {
        "America/New_York",
        "America/Los_Angeles",
    }
    events = {
        str(e["summary"]) + " " + str(e.decoded("dtstart")): e for e in calendar.walk("VEVENT")
    }
    used = {e["dtstart"].params.get("TZID") for e in events.values()} - {None}
    assert used == {"America/New_York", "America/Los_Angeles"}, "every TZID used has a VTIMEZONE"

    hearing = next(e for e in events.values() if str(e["summary"]).startswith("Hearing"))
    assert hearing.decoded("dtstart") == datetime(2026, 12, 10, 9, 30, tzinfo=NY)
    assert hearing.decoded("dtend") == datetime(2026, 12, 10, 10, 30, tzinfo=NY)
    assert hearing["dtend"].params["TZID"] == "America/New_York"
    la = next(
        e for e in events.values() if e["dtstart"].params.get("TZID") == "America/Los_Angeles"
    )
    assert la.decoded("dtend") - la.decoded("dtstart") == timedelta(hours=1)

    all_day = [e for e in events.values() if not isinstance(e.decoded("dtstart"), datetime)]
    assert sorted(
        (str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend")) for e in all_day
    ) == [
        (f"Deadline · {matter.number}", date(2026, 12, 3), date(2026, 12, 4)),
        (f"Task · {matter.number}", date(2026, 12, 15), date(2026, 12, 16)),
    ]
    assert b"DTSTART;VALUE=DATE:20261203" in ics


@AT_NINE
def test_a_feed_of_all_day_dates_carries_no_time_zone(matter, attorney):
    deadline(matter, attorney, due_date=date(2026, 12, 3))
    calendar = Calendar.from_ical(calendar_feed_render(attorney))
    assert calendar.walk("VTIMEZONE") == []
    assert len(calendar.walk("VEVENT")) == 1
