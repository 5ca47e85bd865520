"""Catalog: categories, services, providers, document kinds and knowledge entries.

Owns what the practice offers and who offers it, as admins manage it. Uses `documents` (a
service's form templates), `clients` (profile field names) and `staff`; never imports
`scheduling`, `booking`, `conversations` or `notifications`.
"""
