"""seed_demo makes an API client for Harbor and Safe Haven and prints their keys once."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from api.models import ApiClient
from tests.api.conftest import KeyClient

pytestmark = pytest.mark.django_db

KEY = re.compile(r"API key for (.+?) \(shown once; store it now\): (ack_\S+)")


def test_the_demo_keys_are_printed_once_and_work(capsys):
    call_command("seed_demo", stdout=io.StringIO())
    keys = dict(KEY.findall(capsys.readouterr().out))
    assert set(keys) == {"Harbor Legal Aid", "Safe Haven Shelter"}
    assert KeyClient(keys["Harbor Legal Aid"]).get(reverse("api:matters")).json()["results"]
    assert KeyClient(keys["Safe Haven Shelter"]).get(reverse("api:survivors")).json()["results"]

    call_command("seed_demo", stdout=io.StringIO())
    assert not KEY.findall(capsys.readouterr().out)
    assert ApiClient.objects.count() == 2
