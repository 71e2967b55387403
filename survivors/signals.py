"""What the survivors app tells the apps above it, and asks of them, without importing them.

Change signals are sent inside the changing service's transaction: a receiver's writes
commit with the change or not at all, and a receiver that raises aborts the change.
Receivers get ids and codes through the objects passed, and must never copy a personal
field out.
"""

from django.dispatch import Signal

# A referral was sent or moved along its lifecycle, with `referral`, `status` (its new
# status), `previous` (the status before, or "" when it was just sent) and `actor`.
referral_changed = Signal()

# A consent was recorded or revoked, with `consent`, `change` ("recorded" or "revoked")
# and `actor`.
consent_changed = Signal()

# Sent when a referral's page is shown, with `referral` and `membership` (the member looking).
# A receiver returns a list of (label, url) pairs: the next steps another app offers for this
# referral, such as the conflict check a legal organization runs on an accepted one.
referral_follow_ups = Signal()
