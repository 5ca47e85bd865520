"""Reporting: the figures admins read over a range of days: bookings, utilisation, handoffs.

Owns no table and no rule: it reads bookings, conversations and the audit log, and takes open
time from `scheduling` (the calendars slot search uses); `staff` says who may read it. Nothing in
the domain imports it. Never imports `clients`, `catalog`, `documents` or `notifications`.
"""
