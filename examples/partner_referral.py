"""A partner's script: send a referral to Aftercare with an API key, hear by a signed
webhook when it is accepted, then read its status.

Uses only `requests` and the standard library (nothing from Aftercare). Run it with the key
your organization's admin made (Members → API clients) and the ids from your own records:

    AFTERCARE_URL=http://127.0.0.1:8000 AFTERCARE_API_KEY=ack_… \\
        python examples/partner_referral.py SURVIVOR_ID TO_ORGANIZATION_ID

With `--listen HOST:PORT` it also runs a webhook receiver there (register
`http://HOST:PORT/hooks` on Organization → Webhooks and give the secret it shows once as
AFTERCARE_WEBHOOK_SECRET), sends the referral, waits for the signed `referral.accepted`
(`--wait` seconds, 300 by default) and reads the status with the key:

    AFTERCARE_WEBHOOK_SECRET=whsec_… python examples/partner_referral.py \\
        SURVIVOR_ID TO_ORGANIZATION_ID --listen 127.0.0.1:9000

Safe to run twice: the Idempotency-Key is derived from what is sent, so a retry after a
lost answer gets the first referral back instead of making a second one.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

TIMEOUT = 10
# Aftercare refuses nothing older, and neither do we: a captured request cannot be
# replayed later than this (README, "Webhooks").
TOLERANCE_SECONDS = 300
# What ends the wait: the referral was accepted, or it can no longer be.
ACCEPTED = "referral.accepted"
ENDED = ("referral.declined", "referral.withdrawn")


def session_for(key: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    return session


def referral_send(session: requests.Session, base_url: str, body: dict) -> dict:
    """POST the referral once; a retry with the same body answers the same referral."""
    idempotency_key = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    response = session.post(
        f"{base_url}/api/v1/referrals/",
        json=body,
        headers={"Idempotency-Key": idempotency_key},
        timeout=TIMEOUT,
    )
    if response.status_code >= 400:
        raise SystemExit(f"Refused ({response.status_code}): {response.json()}")
    return response.json()


def referral_status(session: requests.Session, base_url: str, referral_id: int) -> dict:
    response = session.get(f"{base_url}/api/v1/referrals/{referral_id}/", timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


# --- The webhook receiver -------------------------------------------------------------


def signature_valid(
    secret: str, header: str, body: bytes, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """Aftercare-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>.

    Checked on the raw bytes, before parsing; a timestamp more than `tolerance` seconds
    off is refused; the comparison takes the same time whatever matches."""
    parts = dict(p.strip().split("=", 1) for p in (header or "").split(",") if "=" in p)
    t, v1 = parts.get("t", ""), parts.get("v1", "")
    if not t.isdigit() or not v1 or abs(time.time() - int(t)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, v1)


class Receiver:
    """Verifies each delivery and hands each event over once: Aftercare may send an event
    again with the same Aftercare-Event-Id (its worker died before hearing our answer), so
    the ids seen are remembered. A real receiver keeps them in its database."""

    def __init__(self, secret: str):
        self.secret = secret
        self.seen: set[str] = set()
        self.lock = threading.Lock()
        self.events: queue.Queue[dict] = queue.Queue()

    def receive(self, headers, body: bytes) -> int:
        """The HTTP status to answer: 401 unsigned or badly signed, 400 unreadable, else 200."""
        if not signature_valid(self.secret, headers.get("Aftercare-Signature", ""), body):
            print("Refused a delivery: bad or old signature", flush=True)
            return 401
        try:
            event = json.loads(body)
        except ValueError:
            return 400
        event_id = headers.get("Aftercare-Event-Id") or str(event.get("id", ""))
        with self.lock:
            if event_id in self.seen:
                print(f"Ignored a repeat of event {event_id}", flush=True)
                return 200  # answered 2xx, so that it is not sent again; acted on once
            self.seen.add(event_id)
        self.events.put(event)
        return 200


def receiver_start(receiver: Receiver, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = receiver.receive(self.headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):  # the script prints what it learns instead
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def on_referral_event(session: requests.Session, base_url: str, event: dict) -> dict:
    """A verified referral event carries ids and a type, no personal data: read the
    referral with our own key to learn its status."""
    referral_id = event["data"]["referral"]
    print(f"Webhook {event['type']} for referral {referral_id} (event {event['id']})", flush=True)
    return referral_status(session, base_url, referral_id)


def wait_for_outcome(
    receiver: Receiver, session: requests.Session, base_url: str, referral_id: int, wait: float
) -> dict | None:
    """The referral as read after the webhook saying it was accepted (or can no longer
    be); None if no such webhook came within `wait` seconds."""
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = receiver.events.get(timeout=left)
        except queue.Empty:
            break
        if not event.get("type", "").startswith("referral."):
            continue
        now = on_referral_event(session, base_url, event)
        if event["data"]["referral"] == referral_id and event["type"] in (ACCEPTED, *ENDED):
            return now
    return None


# --- The flow -------------------------------------------------------------------------


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("survivor", type=int, help="the survivor's id in Aftercare")
    parser.add_argument("to_organization", type=int, help="the receiving organization's id")
    parser.add_argument(
        "--listen", metavar="HOST:PORT", help="receive the webhooks here and wait for acceptance"
    )
    parser.add_argument("--wait", type=float, default=300, help="seconds to wait (default 300)")
    return parser.parse_args(argv[1:])


def main(argv: list[str]) -> int:
    args = arguments(argv)
    base_url = os.environ.get("AFTERCARE_URL", "http://127.0.0.1:8000").rstrip("/")
    session = session_for(os.environ["AFTERCARE_API_KEY"])
    receiver = None
    if args.listen:
        secret = os.environ.get("AFTERCARE_WEBHOOK_SECRET", "")
        if not secret:
            raise SystemExit("Set AFTERCARE_WEBHOOK_SECRET to the endpoint's secret (whsec_…).")
        host, _sep, port = args.listen.rpartition(":")
        receiver = Receiver(secret)
        receiver_start(receiver, host or "127.0.0.1", int(port))  # before sending: no miss
        print(f"Listening for webhooks on http://{host}:{port}/", flush=True)
    sent = referral_send(
        session,
        base_url,
        {
            "survivor": args.survivor,
            "to_organization": args.to_organization,
            "purpose": "legal_representation",
            "need": "legal",
        },
    )
    print(f"Referral {sent['id']} sent for {sent['survivor_code']}: {sent['status']}", flush=True)
    # A rerun after the referral was accepted answers the first result ("sent"): ask.
    if receiver is not None and referral_status(session, base_url, sent["id"])["status"] == "sent":
        print(f"Waiting up to {args.wait:g} s for the webhook saying it was accepted", flush=True)
        if wait_for_outcome(receiver, session, base_url, sent["id"], args.wait) is None:
            print(
                f"No signed webhook about referral {sent['id']} being accepted within "
                f"{args.wait:g} s. Is an endpoint for http://{args.listen}/hooks registered "
                "with the referral events and this secret, and is the worker running?",
                file=sys.stderr,
            )
            return 2
    now = referral_status(session, base_url, sent["id"])
    print(f"Referral {now['id']} is {now['status']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
