"""Telling open operations-room pages that a report was filed, whichever replica filed it."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

CHANNEL = "thonso_feedback"
"""PostgreSQL's NOTIFY channel; the payload is the commune's id, nothing personal."""


async def announce_new_report(session: AsyncSession, commune_id: int) -> None:
    """On PostgreSQL, NOTIFY at the commit of the filing transaction (and not at all if it
    rolls back). SQLite has a single process; its pages poll (`ops.live`)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_notify(:channel, :payload)"),
                              {"channel": CHANNEL, "payload": str(commune_id)})
