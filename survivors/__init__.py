"""Survivors: intake, consent, safe contact, needs and aftercare referrals (issue: survivors)."""
