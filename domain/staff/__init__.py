"""Staff: accounts, roles, what each role may see and change, the audit trail admins read, and
signing in — limits on failed attempts, sessions with rotating refresh tokens, passwords changed
or reset, and everything that ends an account's tokens at once.

Owns the people who sign in to the console. Uses `clients` only for the shape of an email
address; never imports `booking`, `scheduling`, `catalog`, `documents`, `conversations` or
`notifications` (a reset link goes out as an outbox event the notifications context delivers).
"""
