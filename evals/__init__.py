"""Frontdesk evals: see ARCHITECTURE.md."""
