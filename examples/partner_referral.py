"""A partner's script: send a referral to Aftercare with an API key, then read its status.

Uses only `requests`. Run it with the key your organization's admin made (Members → API
clients) and the ids from your own records:

    AFTERCARE_URL=http://127.0.0.1:8000 AFTERCARE_API_KEY=ack_… \\
        python examples/partner_referral.py SURVIVOR_ID TO_ORGANIZATION_ID

Safe to run twice: the Idempotency-Key is derived from what is sent, so a retry after a
lost answer gets the first referral back instead of making a second one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

import requests

TIMEOUT = 10


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


def on_referral_event(event: dict) -> None:
    """Where a webhook receiver would hand over a signed referral event (ids and a type,
    no personal data); the receiver then reads the referral with `referral_status`.
    Webhooks are not part of this script yet."""
    raise NotImplementedError


def main(argv: list[str]) -> int:
    base_url = os.environ.get("AFTERCARE_URL", "http://127.0.0.1:8000").rstrip("/")
    session = session_for(os.environ["AFTERCARE_API_KEY"])
    survivor_id, to_organization = int(argv[1]), int(argv[2])
    sent = referral_send(
        session,
        base_url,
        {
            "survivor": survivor_id,
            "to_organization": to_organization,
            "purpose": "legal_representation",
            "need": "legal",
        },
    )
    print(f"Referral {sent['id']} sent for {sent['survivor_code']}: {sent['status']}")
    now = referral_status(session, base_url, sent["id"])
    print(f"Referral {now['id']} is {now['status']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
