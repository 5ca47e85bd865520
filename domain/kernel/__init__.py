"""The shared kernel: clock, errors, unit of work, engines, paging, versioning, the journal.

Owns what every context leans on and no rule of any one of them. Imports only `domain.models`;
never a context.
"""
