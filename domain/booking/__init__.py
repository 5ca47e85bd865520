"""Booking: holds, the lifecycle, drafts, idempotency of booking commands, references.

Owns a booking from hold to outcome, for clients and for staff alike: a staff service is the
client's rule with a staff actor, in the same module. Uses `scheduling` (the slot rules),
`clients` and `staff`; never imports `conversations`, `documents` or `notifications`.

- `holds`: holding a start, releasing it, moving a held draft to another start;
- `confirmation`: confirming a hold; staff booking for a client in one step;
- `changes`: cancelling (by the client or staff) and rescheduling, with previews;
- `outcomes`: completed or no-show, recorded by staff;
- `reading`: a client's bookings, one booking, the staff diary and audited read;
- `drafts`: the summary a client confirms and the intake answers that complete it;
- `notice`: until when a client may change a booking online, and what they are told after;
- `references`: the short reference clients are told, and the booking they mean by it;
- `retries`: deadlock retries and the exclusion constraint's refusal in words;
- `census`: every booking at once, for comparing before and after;
- `_terms` (private): what a booking is made on (provider, service, policy), read in one
  statement with a hold's client and key or a confirmation's locked row;
- `_transitions` (private): the locked row, the notice, the transition with its audit event
  and outbox message.
"""
