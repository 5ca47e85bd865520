"""Benchmarks that print figures (they never assert timings).

`python -m bench` runs every benchmark; `python -m bench NAME` runs one. Each benchmark prints a
small Markdown table and returns a flat dict of its figures, keyed like
`postgresql.clients_8.attempts_per_s`.
"""
