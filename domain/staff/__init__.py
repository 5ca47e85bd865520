"""Staff: accounts, roles, what each role may see and change, the audit trail admins read.

Owns the people who sign in to the console. Uses `clients` only for the shape of an email
address; never imports `booking`, `scheduling`, `catalog`, `documents`, `conversations` or
`notifications`.
"""
