"""examples/partner_referral.py, run as a partner would, against the live server.

The whole flow with a real worker and webhook is tests/webhooks/test_partner_example.py."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from survivors.models import Referral
from tests.api.conftest import consent_to, make_key
from tests.factories import make_survivor
from webhooks.signing import signature_header

SCRIPT = Path(settings.BASE_DIR) / "examples" / "partner_referral.py"


@pytest.mark.django_db(transaction=True)
def test_the_partner_script_sends_a_referral_and_reads_its_status(live_server, safehaven, harbor):
    survivor = make_survivor(safehaven, legal_name="Script Person")
    consent_to(survivor, harbor)
    _client, key = make_key(safehaven)
    env = {**os.environ, "AFTERCARE_URL": live_server.url, "AFTERCARE_API_KEY": key}
    args = [sys.executable, str(SCRIPT), str(survivor.pk), str(harbor.pk)]
    for _ in range(2):  # run twice: a retry makes no second referral
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    assert f"sent for {survivor.code}: sent" in done.stdout
    assert "is sent" in done.stdout
    assert Referral.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_listening_without_a_webhook_says_what_to_check_and_fails(live_server, safehaven, harbor):
    """No endpoint registered: after --wait seconds the partner is told what to check."""
    survivor = make_survivor(safehaven, legal_name="Script Person")
    consent_to(survivor, harbor)
    _client, key = make_key(safehaven)
    env = {
        **os.environ,
        "AFTERCARE_URL": live_server.url,
        "AFTERCARE_API_KEY": key,
        "AFTERCARE_WEBHOOK_SECRET": "whsec_test",
    }
    args = [sys.executable, str(SCRIPT), str(survivor.pk), str(harbor.pk)]
    listen = ["--listen", "127.0.0.1:0", "--wait", "1"]
    done = subprocess.run(args + listen, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "No signed webhook about referral" in done.stderr
    assert "registered" in done.stderr and "worker" in done.stderr
    assert f"sent for {survivor.code}: sent" in done.stdout
    assert Referral.objects.count() == 1

    no_secret = {k: v for k, v in env.items() if k != "AFTERCARE_WEBHOOK_SECRET"}
    done = subprocess.run(args + listen, env=no_secret, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Set AFTERCARE_WEBHOOK_SECRET" in done.stderr


def test_the_example_verifies_exactly_what_aftercare_signs():
    """The example carries its own stdlib copy of the check; it agrees with the signer."""
    spec = importlib.util.spec_from_file_location("partner_referral", SCRIPT)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    body = b'{"id": "e1", "type": "referral.accepted", "data": {"referral": 41}}'
    secret = "whsec_abc"
    assert example.signature_valid(secret, signature_header(secret, body), body)
    assert not example.signature_valid(secret, signature_header(secret, body), body + b" ")
    assert not example.signature_valid("whsec_other", signature_header(secret, body), body)
    old = signature_header(secret, body, timestamp=int(time.time()) - 301)
    assert not example.signature_valid(secret, old, body)
    assert not example.signature_valid(secret, "", body)
    assert not example.signature_valid(secret, "t=abc,v1=zz", body)
