"""Channel adapters: translate a platform's updates to `Incoming` and send outbox rows."""
