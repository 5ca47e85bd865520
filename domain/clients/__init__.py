"""Clients: registration, identities, verification, notification preferences, channel links.

Owns who a client is and how they are reached. Uses `notifications` for the events a client may
hear about and to send one-time codes; never imports `booking`, `scheduling`, `documents` or
`conversations`.
"""
