"""Calendars: providers' own calendars (CalDAV, ICS feeds) and the busy time read from them.

Owns the connections (their sealed passwords, the change token, when each last synced and its
last error), the connection test on save, fetching and expanding events (recurring ones, all-day
ones in the provider's zone, tentative and free ones as configured) and the cache of external
busy intervals, replaced whole at each sync. Scheduling reads that cache through the shared
tables; this context never imports `scheduling`, `booking`, `clients`, `conversations`,
`documents` or `notifications`. Uses `staff` for who may manage a provider's connections.

- `busy_times`: events of iCalendar texts -> UTC busy intervals in a window (pure);
- `sources`: reading a CalDAV calendar or an ICS feed, with clear errors;
- `connections`: adding (tested first), listing, testing and removing connections;
- `sync`: refreshing one connection, or every one due, in one transaction each.
"""
