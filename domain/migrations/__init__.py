"""Alembic migrations: the PostgreSQL schema, in order."""
