"""Survivor workflows. record.py: recording and reading; sharing.py: consent and
referrals; retention.py: erasure and retention. Each writes one audit event."""

from survivors.services.record import (
    survivor_code_new,
    survivor_create,
    survivor_open,
    survivor_tokens_refresh,
)

__all__ = ["survivor_code_new", "survivor_create", "survivor_open", "survivor_tokens_refresh"]
