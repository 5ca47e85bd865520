"""Clients: registration, records and identities, verification, preferences, channel links.

Owns who a client is and how they are reached, for the client and for staff alike. Uses
`notifications` for the events a client may hear about and to send one-time codes, and `staff`
for which clients a staff member may see; never imports `booking`, `scheduling`, `documents` or
`conversations`.
"""
