"""examples/partner_referral.py, run as a partner would, against the live server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from survivors.models import Referral
from tests.api.conftest import consent_to, make_key
from tests.factories import make_survivor

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
