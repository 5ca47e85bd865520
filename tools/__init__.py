"""Frontdesk tools: see ARCHITECTURE.md."""
