"""What the survivors app asks of the apps above it, without importing them."""

from django.dispatch import Signal

# Sent when a referral's page is shown, with `referral` and `membership` (the member looking).
# A receiver returns a list of (label, url) pairs: the next steps another app offers for this
# referral, such as the conflict check a legal organization runs on an accepted one.
referral_follow_ups = Signal()
