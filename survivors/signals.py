"""What the survivors app tells the apps above it when consent and referrals change.

Sent inside the changing service's transaction: a receiver's writes commit with the
change or not at all, and a receiver that raises aborts the change. Receivers get ids
and codes through the objects passed, and must never copy a personal field out.
"""

from django.dispatch import Signal

# A referral was sent or moved along its lifecycle, with `referral`, `status` (its new
# status), `previous` (the status before, or "" when it was just sent) and `actor`.
referral_changed = Signal()

# A consent was recorded or revoked, with `consent`, `change` ("recorded" or "revoked")
# and `actor`.
consent_changed = Signal()
