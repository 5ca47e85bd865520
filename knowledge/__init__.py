"""Frontdesk knowledge: see ARCHITECTURE.md."""
