"""Alembic revisions of the schema: one per change."""
