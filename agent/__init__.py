"""Frontdesk agent: see ARCHITECTURE.md."""
