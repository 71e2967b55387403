"""An attorney double-clicks "Add note": the browser sends the form once, one note is
made, and after going back the button works again."""

import pytest
from django.conf import settings
from django.test import Client

from aftercare.models import Role
from cases.models import MatterNote
from tests.conftest import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, make_matter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_as(page, membership, base_url: str) -> None:
    """The session a password and code would have made, handed to the browser."""
    session = sign_in(Client(), membership).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}]
    )


def test_a_double_click_on_add_note_sends_one_form_and_makes_one_note(page, live_server):
    harbor = OrganizationFactory(name="Harbor Double Click Aid")
    attorney = MembershipFactory(organization=harbor, role=Role.ATTORNEY)
    matter = make_matter(harbor, lead=attorney.user)
    signed_in_as(page, attorney, live_server.url)
    typed = "Client called back; interview on Monday."
    held = []  # the note's POSTs, kept on their way: the second click comes meanwhile

    def hold(route) -> None:
        if "interview+on+Monday" in (route.request.post_data or ""):
            held.append(route)
        else:
            route.continue_()

    page.route(f"**/matters/{matter.pk}/notes/", hold)
    page.goto(f"{live_server.url}/matters/{matter.pk}/")
    page.get_by_label("Note (privileged)").fill(typed)
    add_note = page.get_by_role("button", name="Add note")

    # A double click whose second click comes while the first is still on its way (the
    # page stays until the answer arrives); the button gets it in whatever state it is.
    said = []
    page.on("console", lambda message: said.append(message.text))
    add_note.evaluate(
        """button => {
            button.click();
            setTimeout(() => { console.log(`disabled: ${button.disabled}`); button.click(); }, 200);
        }"""
    )
    page.wait_for_timeout(700)
    sent = len(held)
    with page.expect_navigation():
        for route in held:
            route.continue_()

    assert sent == 1, "the second click sent the form again"
    assert "disabled: true" in said, "the button stayed enabled while the form was sent"
    assert page.get_by_text(typed).count() == 1
    assert MatterNote.objects.filter(matter=matter).count() == 1

    page.go_back()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Add note").is_enabled()


def test_a_form_the_browser_refuses_keeps_its_button(page, live_server):
    """A required field left empty: nothing is sent, so nothing is disabled."""
    harbor = OrganizationFactory(name="Harbor Required Field Aid")
    coordinator = MembershipFactory(organization=harbor, role=Role.COORDINATOR)
    signed_in_as(page, coordinator, live_server.url)
    page.goto(f"{live_server.url}/volunteers/invitations/")
    # The server checks too; here the browser's own check is what is tried.
    page.evaluate("document.querySelector('form.card').removeAttribute('novalidate')")

    page.get_by_role("button", name="Send the invitation").click()

    assert page.get_by_role("button", name="Send the invitation").is_enabled()
    assert page.url.endswith("/volunteers/invitations/")
