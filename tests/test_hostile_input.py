"""Hostile input never makes a server error (issue #18, item 13).

Absurd page numbers, months, ids and dates give a page a person can read: the last or
first page, this month with a note, a 404, or a form error saying what to do.
"""

from __future__ import annotations

import importlib
import inspect
import io
from datetime import date, timedelta

import pytest
from django import forms as django_forms
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from aftercare.forms import SaneDatesMixin
from aftercare.models import Heartbeat
from aftercare.pagination import CappedPage
from cases.kinds import STAGE_PATHS, Stage, allowed_stages
from cases.models import Deadline, DeadlineRule, Matter
from survivors.models import Survivor
from tests.conftest import sign_in
from tests.factories import make_matter, make_survivor, make_volunteer

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
ABSURD_DATES = ("0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01")


# Pagination -------------------------------------------------------------------------


@pytest.mark.parametrize("number", [HUGE, "-1", "abc", "0", "²", "", None, "1e9"])
def test_an_absurd_page_number_is_the_first_or_last_page(harbor, number):
    for n in range(3):
        make_survivor(harbor, legal_name=f"Person {n}")
    page = CappedPage(Survivor.objects.order_by("pk"), number, per_page=2)
    assert page.number in (1, 2)
    assert page.object_list, "an absurd page number shows rows, not an empty page"
    if number == HUGE:
        assert page.number == 2 and not page.has_next, "a huge page number is the last page"


@pytest.mark.parametrize("name", ["survivors:list", "cases:list"])
@pytest.mark.parametrize("number", [HUGE, "-1", "abc", "²"])
def test_lists_answer_an_absurd_page(name, number, harbor, coordinator, client_for):
    make_matter(harbor)
    response = client_for(coordinator).get(reverse(name), {"page": number})
    assert response.status_code == 200


# The month calendar -------------------------------------------------------------------


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1899-12", "2101-01", "2026-13"])
def test_the_calendar_shows_this_month_for_a_month_out_of_range(month, coordinator, client_for):
    response = client_for(coordinator).get(reverse("cases:calendar"), {"month": month})
    assert response.status_code == 200
    assert response.context["month"] == timezone.localdate().replace(day=1)
    if month != "2026-13":
        assert "That month is out of range" in response.text


def test_the_calendar_still_moves_to_the_edges_of_the_range(coordinator, client_for):
    client = client_for(coordinator)
    assert client.get(reverse("cases:calendar"), {"month": "2100-12"}).context["month"] == date(
        2100, 12, 1
    )
    assert client.get(reverse("cases:calendar"), {"month": "1900-01"}).context["month"] == date(
        1900, 1, 1
    )


# The conflict check's referral --------------------------------------------------------


@pytest.mark.parametrize(
    "referral",
    [
        "abc",
        "-1",
        HUGE,
        "²",  # "²".isdigit() is true, int("²") fails
    ],
)
def test_a_conflict_check_with_a_nonsense_referral_is_a_404(
    referral, harbor, coordinator, client_for
):
    survivor = make_survivor(harbor, legal_name="Conflict Client")
    url = reverse("cases:conflict_new", args=[survivor.pk])
    assert client_for(coordinator).get(url, {"referral": referral}).status_code == 404


def test_the_audit_trail_ignores_a_nonsense_before(org_admin, client_for):
    response = client_for(org_admin).get(reverse("audit_trail"), {"before": "²"})
    assert response.status_code == 200


# Computed deadlines -------------------------------------------------------------------


@pytest.mark.parametrize("trigger", ["9999-12-31", "0001-01-01"])
def test_a_computed_deadline_refuses_a_trigger_date_out_of_range(
    trigger, harbor, attorney, client_for
):
    matter = make_matter(harbor, lead=attorney.user)
    rule = DeadlineRule.objects.filter(organization=harbor, is_active=True).first()
    response = client_for(attorney).post(
        reverse("cases:deadline_new", args=[matter.pk]),
        {"rule": rule.pk, "trigger_date": trigger},
    )
    assert response.status_code == 200
    assert "Enter a date between" in response.text and "Check the year" in response.text
    assert not Deadline.objects.filter(matter=matter).exists()


# Every date a person types ------------------------------------------------------------

FORM_MODULES = ("aftercare.forms", "cases.forms", "survivors.forms", "volunteers.forms")


def _forms_with_dates():
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, django_forms.BaseForm) or cls.__module__ != module_name:
                continue
            if any(isinstance(f, django_forms.DateField) for f in cls.base_fields.values()):
                yield cls


def test_every_form_with_a_date_field_refuses_absurd_dates():
    found = list(_forms_with_dates())
    assert len(found) >= 10, "the scan found the forms with dates"
    missing = [cls.__qualname__ for cls in found if not issubclass(cls, SaneDatesMixin)]
    assert not missing, f"add SaneDatesMixin to: {missing}"


@pytest.mark.parametrize("typed", ABSURD_DATES)
def test_a_date_field_says_what_to_do_with_an_absurd_date(typed):
    from volunteers.forms import PeriodForm

    form = PeriodForm({"start": typed, "end": "2026-01-31"})
    assert not form.is_valid()
    assert "Check the year" in str(form.errors["start"])
    assert PeriodForm({"start": "2026-01-01", "end": "2026-01-31"}).is_valid()


def test_a_birth_date_in_the_future_or_before_1900_is_refused():
    from survivors.forms import SurvivorSearchForm

    for typed in ("1899-12-31", "0001-01-01"):
        form = SurvivorSearchForm({"born": typed})
        assert not form.is_valid()
        assert "Enter a date of birth between" in str(form.errors["born"])
    for typed in ((timezone.localdate() + timedelta(days=1)).isoformat(), "9999-12-31"):
        form = SurvivorSearchForm({"born": typed})
        assert not form.is_valid()
        assert "The date of birth is in the future." in str(form.errors["born"])
    assert SurvivorSearchForm({"born": "1990-05-01"}).is_valid()


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01"])
def test_hours_logged_on_an_absurd_date_are_refused(typed, harbor, attorney, client_for):
    matter = make_matter(harbor, lead=attorney.user)
    response = client_for(attorney).post(
        reverse("cases:time_add", args=[matter.pk]),
        {"date": typed, "minutes": "30", "activity": "research"},
    )
    assert response.status_code in (200, 302)
    assert not matter.time_entries.exists()


# Stages on and off the path -----------------------------------------------------------


def test_a_matter_in_a_stage_not_on_its_path_still_opens_and_offers_the_path(
    harbor, attorney, client_for
):
    matter = make_matter(
        harbor, lead=attorney.user, sub_kind="victim_rights", stage=Stage.PREPARING
    )
    response = client_for(attorney).get(reverse("cases:detail", args=[matter.pk]))
    assert response.status_code == 200
    assert str(Stage.PREPARING.label) in response.text
    offered = [value for value, _label in response.context["stage_form"].fields["stage"].choices]
    assert offered == list(STAGE_PATHS["victim_rights"])
    moved = client_for(attorney).post(
        reverse("cases:stage", args=[matter.pk]), {"stage": Stage.MONITORING}
    )
    assert moved.status_code == 302
    matter.refresh_from_db()
    assert matter.stage == Stage.MONITORING


def test_moves_on_the_path_are_unchanged():
    assert allowed_stages("victim_rights", Stage.INTAKE) == [Stage.MONITORING, Stage.DECIDED]


def test_the_demo_puts_every_matter_in_a_stage_on_its_path():
    call_command("seed_demo", stdout=io.StringIO())
    matters = list(Matter.objects.values_list("number", "kind", "stage"))
    assert matters
    off = [(n, k, s) for n, k, s in matters if s not in STAGE_PATHS[k]]
    assert not off, f"demo matters in a stage not on their path: {off}"


# The crawl ----------------------------------------------------------------------------

NOT_CRAWLED = {
    "account:logout": "signs the crawler out",
    "quick_exit": "signs the crawler out",
    "account:password_reset_confirm": "a signed token, not an id (tested elsewhere)",
    "cases:feed": "a secret token, not an id (tested elsewhere)",
    "volunteers:join": "a secret token, not an id (tested elsewhere)",
}

HOSTILE_QUERIES = (
    {"page": HUGE},
    {"page": "-1"},
    {"page": "abc"},
    {"page": "²"},
    {"month": "9999-12"},
    {"month": "0001-01"},
    {"month": "abc"},
    {"start": "0001-01-01", "end": "9999-12-31"},
    {"start": "9999-12-31", "end": "0001-01-01"},
    {"start": "abc", "end": ""},
    {"born": "0001-01-01", "status": "nonsense", "need": "x", "referral": "abc"},
    {"before": HUGE, "referral": HUGE, "next": "//evil.example"},
)


def _patterns(resolver: URLResolver, namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def test_a_crawl_with_hostile_parameters_finds_no_server_error(harbor, coordinator):
    survivor = make_survivor(harbor, legal_name="Crawl Client")
    matter = make_matter(harbor, client=survivor)
    volunteer = make_volunteer(harbor)
    real_ids = sorted({survivor.pk, matter.pk, coordinator.pk, volunteer.pk})
    absurd_ids = (0, 99999999999)
    # Beat ticking, as in production: without it /healthz answers 503 by design.
    Heartbeat.objects.create(service="beat", at=timezone.now())
    client = Client(raise_request_exception=True)
    failures = []
    crawled = 0
    for name, pattern in _patterns(get_resolver()):
        if name in NOT_CRAWLED:
            continue
        converters = pattern.pattern.converters
        if any(type(c).__name__ != "IntConverter" for c in converters.values()):
            continue
        id_sets = (real_ids + list(absurd_ids)) if converters else [None]
        for pk in id_sets:
            args = {key: (1 if key == "step" else pk) for key in converters} if converters else {}
            url = reverse(name, kwargs=args)
            queries = HOSTILE_QUERIES if pk is None or pk in real_ids[:2] else ({},)
            # Once a page: a GET changes no session here (the crawl skips signing out).
            sign_in(client, coordinator, sudo=True)
            for query in ({}, *queries):
                try:
                    response = client.get(url, query)
                except Exception as error:  # any exception is the finding
                    failures.append((url, query, repr(error)[:200]))
                    continue
                crawled += 1
                if response.status_code >= 500:
                    failures.append((url, query, response.status_code))
                if response.streaming:  # read to the end, as a browser would: then the
                    response.getvalue()  # test client closes it, as a WSGI server does
    assert crawled > 500, "the crawl reached the pages"
    assert not failures, "server errors:\n" + "\n".join(map(str, failures))
