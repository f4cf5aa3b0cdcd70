"""The app's Prometheus metrics, served at `/metrics`. Each app has its own registry, so that
several apps in one process (the tests) count apart."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from services.db import utcnow
from services.outbox import Leased

CONTENT_TYPE = CONTENT_TYPE_LATEST
UPDATE_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
"""An update costs about 3 ms of CPU on the webhook bench; seconds mean trouble."""
LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
"""A reply goes out within a second; a notice to 1,000 groups takes over 30 s at Telegram's
30 messages a second; a 429 defers a row by its retry_after."""


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.updates = Counter("thonso_updates", "Updates processed",
                               registry=self.registry)
        self.duplicates = Counter("thonso_duplicates",
                                  "Redelivered updates, recognised and not processed again",
                                  registry=self.registry)
        self.update_seconds = Histogram(
            "thonso_update_seconds", "Time to process an update, its commit included",
            buckets=UPDATE_BUCKETS, registry=self.registry)
        self.refused = Counter("thonso_webhook_refused",
                               "Webhook and media calls refused, by reason", ["reason"],
                               registry=self.registry)
        self.ignored = Counter("thonso_updates_ignored", "Updates of kinds the bot ignores",
                               registry=self.registry)
        self.sends = Counter("thonso_sends", "Outbox rows handled by the sender, by outcome",
                             ["outcome"], registry=self.registry)
        self.database_unavailable = Counter(
            "thonso_database_unavailable",
            "Updates left for the platform to deliver again: the database was unreachable "
            "(webhook: answered 503; polling: not acknowledged)", ["via"],
            registry=self.registry)
        self.outbox_lag = Histogram(
            "thonso_outbox_lag_seconds", "From an outbox row's creation to its send",
            buckets=LAG_BUCKETS, registry=self.registry)

    def on_send(self, outcome: str, row: Leased) -> None:
        """The sender's hook: one row handled."""
        self.sends.labels(outcome).inc()
        if outcome == "sent":
            self.outbox_lag.observe((utcnow() - row.created_at).total_seconds())

    def value(self, name: str, **labels: str) -> float:
        """A sample's current value (0 when never counted)."""
        return self.registry.get_sample_value(name, labels) or 0.0

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
