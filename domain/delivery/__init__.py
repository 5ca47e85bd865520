"""Delivering the outbox to clients: fan-out to notifications, claiming, retries, reminders.

The outbox holds what happened (booking.confirmed, a reminder due…); a Notification row is one
of those messages on one channel. The worker fans pending outbox messages out into
notifications, claims the due ones in short transactions, sends each through its channel's
courier and records the outcome right after the send.
"""
