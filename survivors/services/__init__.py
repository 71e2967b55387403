"""Survivor workflows. record.py: recording and reading; sharing.py: consent and
referrals; retention.py: erasure and retention; retention_policy.py: the policy.

Services that change something take `actor=` and write the change and its audit event
in one transaction. The read doors (`survivor_open`, `referral_open`) take the request:
they are the access check at the edge (`fetch_for_user`)."""

from survivors.services.record import (
    survivor_code_new,
    survivor_create,
    survivor_open,
    survivor_tokens_refresh,
)

__all__ = ["survivor_code_new", "survivor_create", "survivor_open", "survivor_tokens_refresh"]
