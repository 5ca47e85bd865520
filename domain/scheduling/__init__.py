"""Scheduling: weekly hours, date overrides, time off, availability, slot search, slot rules.

Owns when a provider can be booked and the one check that a start may be held, confirmed or moved
to. Uses `staff` for who may edit a diary; never imports `booking` (booking asks scheduling, not
the other way round), `clients`, `conversations`, `documents` or `notifications`.
"""
