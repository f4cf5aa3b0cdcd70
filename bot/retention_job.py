"""The retention pass (`services.retention.prune`) as a periodic job: one transaction per
pass, idempotent, so every replica may run it."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.jobs import Job
from bot.settings import Settings
from services.db import Database, utcnow
from services.retention import Policy, Pruned, prune

log = logging.getLogger(__name__)
INTERVAL = timedelta(hours=6)
FIRST_RUN_AFTER = timedelta(minutes=5)


def policy_from(settings: Settings) -> Policy:
    return Policy(processed_updates=timedelta(days=settings.retention_processed_updates_days),
                  sent_payloads=timedelta(days=settings.retention_sent_payload_days))


class RetentionJob(Job):
    name = "retention"
    every = INTERVAL
    first_run_after = FIRST_RUN_AFTER

    def __init__(self, db: Database, policy: Policy) -> None:
        self.db = db
        self.policy = policy

    async def run_once(self) -> int:
        await self.prune_once()
        return 0  # no message queued

    async def prune_once(self) -> Pruned:
        async with self.db.transaction() as session:
            pruned = await prune(session, self.policy, utcnow())
        log.info("retention: %d update ids pruned, %d payloads blanked, %d files collected, "
                 "%d idle conversations dropped", pruned.processed_updates, pruned.payloads,
                 pruned.blobs, pruned.drafts)
        return pruned
