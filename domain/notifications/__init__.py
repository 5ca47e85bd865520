"""Notifications to clients: the events, their variables and the built-in wording."""
