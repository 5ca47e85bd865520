"""Fakes and throwaway servers the tests and the benchmarks share.

A PostgreSQL cluster from the system's binaries, a live `frontdesk serve --demo`, and local
stand-ins for what the service talks to (a chat-completions script, Telegram's Bot API, Twilio's
REST API, an SMTP server, a Microsoft Entra authority), plus clients that drive a live server.
Only `tests` and `bench` import this package; the service never does.
"""
