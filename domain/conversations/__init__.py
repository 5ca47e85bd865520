"""Conversations: transcripts, handing over to people and back, webhook receipts.

Owns who talks to whom on which channel and what was said. Imports only the kernel and the
models: every other context may write to a transcript, so it depends on none of them.
"""
