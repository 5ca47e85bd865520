"""Frontdesk prompts: see ARCHITECTURE.md."""
