"""A partner's webhook receiver on 127.0.0.1, and the referral between Safe Haven and Harbor
that the events are about."""

from __future__ import annotations

import ssl
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from aftercare.models import Role
from survivors.models import Consent, DataCategory, Purpose
from survivors.services.sharing import consent_record, referral_send
from tests.actors import actor_of
from tests.factories import MembershipFactory, make_survivor
from webhooks.models import EventType
from webhooks.services import endpoint_create, endpoint_secret_reveal
from webhooks.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, SignatureError, verify


@dataclass
class Received:
    event_id: str
    signature: str
    body: bytes
    verified: bool


@dataclass
class Receiver:
    """Records every POST; answers with the next status of `answers` (then 200), after
    calling `on_request` (which may, say, kill a worker)."""

    secret: str = ""
    answers: list[int] = field(default_factory=list)
    on_request: object = None
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, handler: BaseHTTPRequestHandler) -> int:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        signature = handler.headers.get(SIGNATURE_HEADER, "")
        try:
            verify(self.secret, signature, body)
            verified = True
        except SignatureError:
            verified = False
        with self.lock:
            self.received.append(
                Received(handler.headers.get(EVENT_ID_HEADER, ""), signature, body, verified)
            )
            status = self.answers.pop(0) if self.answers else 200
        if self.on_request is not None:
            self.on_request(self)
        return status

    def event_ids(self) -> list[str]:
        with self.lock:
            return [r.event_id for r in self.received]

    def duplicates(self) -> list[str]:
        ids = self.event_ids()
        return sorted({i for i in ids if ids.count(i) > 1})


@contextmanager
def serving(state: Receiver, tls: ssl.SSLContext | None = None):
    """Run a receiver on 127.0.0.1 (over TLS with `tls`) in a thread, for the block."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            status = state.handle(self)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    state.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver():
    with serving(Receiver()) as state:
        yield state


@pytest.fixture
def harbor_admin(harbor):
    return MembershipFactory(organization=harbor, role=Role.ORG_ADMIN)


def register(admin, receiver: Receiver, types=None):
    """An endpoint of the admin's organization pointing at the receiver, which learns
    its secret as an admin would: shown once."""
    endpoint = endpoint_create(
        actor=actor_of(admin), url=receiver.url, event_types=types or list(EventType.values)
    )
    receiver.secret = endpoint_secret_reveal(endpoint=endpoint)
    return endpoint


# A survivor as the demo makes them, with every personal field filled with text that
# must never reach a partner's system.
PERSONAL = {
    "legal_name": "Marisol Quintero-Ashdown",
    "preferred_name": "Sol",
    "date_of_birth": date(1991, 4, 17),
    "gender": "female",
    "country_of_origin": "Honduras",
    "languages": "Spanish (native), English (basic)",
    "safety_situation": "Trafficker's associates live nearby on Larkspur Lane.",
    "safe_location": "Shelter room 12, 48 Wrenfield Avenue",
}
TYPED = {
    "note": "Needs a T visa lawyer urgently, call Ms Pemberton",
    "witness": "Witnessed by Ottoline Frobisher",
    "decline_reason": "Conflict with Thaddeus Crumb",
}


def personal_values() -> list[str]:
    return [str(v) for v in PERSONAL.values()] + ["1991-04-17"] + list(TYPED.values())


@pytest.fixture
def survivor(safehaven, intake_worker):
    return make_survivor(safehaven, by=intake_worker.user, **PERSONAL)


def consent_to(survivor, intake_worker, recipient, **extra) -> Consent:
    return consent_record(
        actor=actor_of(intake_worker),
        survivor=survivor,
        data={
            "recipient": recipient,
            "purpose": Purpose.LEGAL_REPRESENTATION,
            "categories": [DataCategory.IDENTITY, DataCategory.NEEDS],
            "method": Consent.Method.VERBAL_WITNESSED,
            "witness": TYPED["witness"],
            "given_on": timezone.localdate(),
            **extra,
        },
    )


def refer(survivor, intake_worker, to):
    return referral_send(
        actor=actor_of(intake_worker),
        survivor=survivor,
        to_organization=to,
        purpose=Purpose.LEGAL_REPRESENTATION,
        need="legal",
        note=TYPED["note"],
    )
