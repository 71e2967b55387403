"""The server-error page: styled, with Quick exit, in the person's language."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def _fail(language: str):
    client = Client(raise_request_exception=False)
    with override_settings(ROOT_URLCONF="tests.ux.failing_urls"):
        return client.get("/fail/", HTTP_ACCEPT_LANGUAGE=language)


def test_the_error_page_has_quick_exit_and_the_stylesheet():
    response = _fail("en")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert "data-quick-exit" in page and "Quick exit" in page
    assert "css/aftercare.css" in page and "js/aftercare.js" in page
    assert 'lang="en"' in page


def test_the_error_page_speaks_spanish_to_a_spanish_reader():
    response = _fail("es")

    page = response.content.decode()
    assert 'lang="es"' in page
    assert "Algo salió mal" in page
    assert "Salida rápida" in page
    assert "a bug" not in page
