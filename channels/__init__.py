"""Frontdesk channels: see ARCHITECTURE.md."""
