"""examples/partner_referral.py --listen, run as Safe Haven's system would: it sends a
referral with its key, hears by a signed webhook (from a real worker, through the real
broker) that Harbor accepted it, and reads the status back. Forged deliveries are refused
and a repeated event id is not acted on twice."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from aftercare.celery import app
from aftercare.models import Role
from survivors.models import Referral
from survivors.services.sharing import referral_move
from tests.actors import actor_of
from tests.api.conftest import consent_to, make_key
from tests.conftest import WorkerProcess, broker_available, require_service
from tests.factories import MembershipFactory, make_survivor
from webhooks.models import Delivery, EventType
from webhooks.services import endpoint_create, endpoint_secret_reveal
from webhooks.signing import signature_header

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
SCRIPT = Path(settings.BASE_DIR) / "examples" / "partner_referral.py"
REFERRAL_EVENTS = [t for t in EventType.values if t.startswith("referral.")]
WAIT = 40


@pytest.fixture
def clean_queue():
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    available, what = broker_available()
    require_service(available, what)
    app.control.purge()
    yield
    app.control.purge()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Script:
    """The example in its own Python process; its output read line by line as it comes."""

    def __init__(self, args: list[str], env: dict):
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"the script never printed {text!r}:\n{self.output}")

    def finish(self, timeout: float = WAIT) -> int:
        code = self.process.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return code

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=5)
        self.process.stdout.close()


def post(url: str, body: bytes, headers: dict) -> int:
    return requests.post(url, data=body, headers=headers, timeout=5).status_code


def test_the_partner_script_hears_the_signed_acceptance_and_reads_the_status(
    live_server, safehaven, harbor, coordinator, clean_queue
):
    survivor = make_survivor(safehaven, legal_name="Wilhelmina Script-Partner")
    consent_to(survivor, harbor)
    _client, key = make_key(safehaven, name="Shelter records")
    port = free_port()
    hooks = f"http://127.0.0.1:{port}/hooks"
    endpoint = endpoint_create(
        actor=actor_of(MembershipFactory(organization=safehaven, role=Role.ORG_ADMIN)),
        url=hooks,
        event_types=REFERRAL_EVENTS,
    )
    secret = endpoint_secret_reveal(endpoint=endpoint)
    env = {
        **os.environ,
        "AFTERCARE_URL": live_server.url,
        "AFTERCARE_API_KEY": key,
        "AFTERCARE_WEBHOOK_SECRET": secret,
    }
    worker = WorkerProcess(queue="celery")
    script = Script(
        [str(survivor.pk), str(harbor.pk), "--listen", f"127.0.0.1:{port}", "--wait", str(WAIT)],
        env,
    )
    try:
        script.wait_for("Waiting up to")
        referral = Referral.objects.get()
        # The worker tells Safe Haven its referral went out; then a repeat of that very
        # event (same Aftercare-Event-Id, correctly signed) is answered but not acted on.
        script.wait_for(f"Webhook referral.sent for referral {referral.pk}")
        sent = Delivery.objects.get(endpoint=endpoint, event__type=EventType.REFERRAL_SENT)
        sent_id = str(sent.event.public_id)
        repeat = json.dumps(
            {"id": sent_id, "type": "referral.sent", "data": {"referral": referral.pk}}
        ).encode()
        assert post(hooks, repeat, signed(secret, repeat, sent_id)) == 200
        script.wait_for(f"Ignored a repeat of event {sent_id}")

        # Forgeries claiming the referral was accepted: refused, and the script waits on.
        forged_id = str(uuid.uuid4())
        forged = json.dumps(
            {"id": forged_id, "type": "referral.accepted", "data": {"referral": referral.pk}}
        ).encode()
        tampered = forged.replace(b"accepted", b"declined")
        old = signature_header(secret, forged, timestamp=int(time.time()) - 3600)
        for body, headers in (
            (forged, signed("whsec_not-the-secret", forged, forged_id)),  # another secret
            (tampered, signed(secret, forged, forged_id)),  # the body changed after signing
            (forged, {**signed(secret, forged, forged_id), "Aftercare-Signature": old}),
            (forged, {"Aftercare-Event-Id": forged_id}),  # unsigned
        ):
            assert post(hooks, body, headers) in (400, 401)
        assert script.process.poll() is None, script.output

        # Harbor's coordinator accepts; the real worker delivers the signed event.
        referral_move(actor=actor_of(coordinator), referral=referral, status="accepted")
        code = script.finish()
    finally:
        script.stop()
        log = worker.stop()
    out = script.output
    assert code == 0, out + "\n" + log[-2000:]
    assert out.count("Webhook referral.accepted") == 1, out
    accepted = Delivery.objects.get(endpoint=endpoint, event__type=EventType.REFERRAL_ACCEPTED)
    assert f"referral.accepted for referral {referral.pk} (event {accepted.event.public_id})" in out
    assert out.splitlines()[-1] == f"Referral {referral.pk} is accepted"
    assert out.count("Webhook referral.sent") == 1
    assert out.count("Refused a delivery") == 4
    assert forged_id not in out
    assert "Wilhelmina" not in out  # ids, codes and statuses only
    assert Referral.objects.get().status == Referral.Status.ACCEPTED


def signed(secret: str, body: bytes, event_id: str) -> dict:
    return {
        "Aftercare-Signature": signature_header(secret, body),
        "Aftercare-Event-Id": event_id,
        "Content-Type": "application/json",
    }
