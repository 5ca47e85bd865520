"""Booking: holds, the lifecycle, drafts, idempotency of booking commands, references.

Owns a booking from hold to outcome, for clients and for staff alike. Uses `scheduling` (the slot
rules), `clients` and `staff`; never imports `conversations`, `documents` or `notifications`.
"""
