"""`/metrics` in Prometheus' format, from the app's own registry: updates, duplicates, the
update latency, sends by outcome, the outbox lag and the process' own figures."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.telegram_api import FakeTelegramAPI, make_message_update
from tests.helpers import console_app, eventually, telegram_app

CHAT = 5551001


async def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with aiohttp.ClientSession() as client, \
            client.get(f"http://127.0.0.1:{port}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


async def test_an_update_and_its_sends_show_in_metrics(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        fake.fail_next("sendMessage", status=429, retry_after=1)
        assert await fake.post_to_webhook(make_message_update(1, CHAT, CHAT, "/start")) == 200
        assert await fake.post_to_webhook(make_message_update(1, CHAT, CHAT, "/start")) == 200
        await fake.wait_for(lambda call: call.ok and call.method == "sendMessage")

        async def recorded() -> bool:  # the sender counts once Telegram has answered
            return app.metrics.value("thonso_sends_total", outcome="sent") >= 1

        await eventually(recorded)
        samples = await scrape(app.settings.port)
    assert samples[("thonso_updates_total", ())] == 1
    assert samples[("thonso_duplicates_total", ())] == 1
    assert samples[("thonso_update_seconds_count", ())] == 2
    assert samples[("thonso_update_seconds_sum", ())] > 0
    assert samples[("thonso_sends_total", (("outcome", "retried_429"),))] == 1
    assert samples[("thonso_sends_total", (("outcome", "sent"),))] >= 1
    assert samples[("thonso_outbox_lag_seconds_count", ())] >= 1
    # The 429 held the welcome back by its retry_after: the lag shows it.
    assert samples[("thonso_outbox_lag_seconds_sum", ())] >= 1
    assert samples[("process_resident_memory_bytes", ())] > 0


async def test_two_apps_count_apart(database_url: str) -> None:
    async with console_app(database_url) as first, console_app(database_url) as second:
        first.metrics.updates.inc()
        assert first.metrics.value("thonso_updates_total") == 1
        assert second.metrics.value("thonso_updates_total") == 0
