"""Notifications: events, templates, the outbox fan-out, delivery, reminders, opt-outs, status.

Owns what a client is told, on which channel, and how each send went. Uses `booking`,
`scheduling` and `clients` to fill templates and find channels; never imports `documents` or
`conversations`.
"""
