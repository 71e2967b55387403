"""Durations read as people say them, with the right plural, in both languages."""

import pytest
from django.template import Context, Template
from django.utils import translation


def render(minutes) -> str:
    return Template("{% load words %}{{ m|duration }}").render(Context({"m": minutes}))


@pytest.mark.parametrize(
    ("minutes", "english", "spanish"),
    [
        (0, "0 minutes", "0 minutos"),
        (1, "1 minute", "1 minuto"),
        (45, "45 minutes", "45 minutos"),
        (60, "1 hour", "1 hora"),
        (61, "1 hour 1 minute", "1 hora 1 minuto"),
        (135, "2 hours 15 minutes", "2 horas 15 minutos"),
    ],
)
def test_a_duration_in_hours_and_minutes(minutes, english, spanish):
    with translation.override("en"):
        assert render(minutes) == english
    with translation.override("es"):
        assert render(minutes) == spanish
