"""The retention pass: rows older than the configured limits are pruned or blanked, newer ones
stay, and only files nothing names any more are collected."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from services.communes import Communes
from services.db import utcnow
from services.models import Blob, ChannelFile, Conversation, OutboxMessage, ProcessedUpdate
from services.notices.models import Notice
from services.retention import Pruned
from services.users import Users
from tests.helpers import console_app, session, texts


def ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


def _message(chat: str, status: str, days: float, digest: str | None = None) -> OutboxMessage:
    moment = ago(days)
    payload: dict[str, object] = {"text": f"Tin gửi {chat}", "buttons": []}
    if digest:
        payload["attachment"] = {"sha256": digest, "filename": "f"}
    return OutboxMessage(channel="console", chat_id=chat, kind="text", payload=payload,
                         status=status, created_at=moment, next_attempt_at=moment,
                         sent_at=moment if status == "sent" else None,
                         last_error="blocked" if status == "failed" else None)


async def test_a_pass_prunes_what_is_past_its_limit_and_keeps_the_rest(
        database_url: str) -> None:
    async with console_app(database_url, retention_processed_updates_days=3,
                           retention_sent_payload_days=10) as app:
        async with app.db.transaction() as s:
            s.add_all([
                ProcessedUpdate(channel="console", update_key="old", received_at=ago(4)),
                ProcessedUpdate(channel="console", update_key="new", received_at=ago(2)),
                Blob(sha256="a" * 64, data=b"old, named by nothing", created_at=ago(40)),
                Blob(sha256="b" * 64, data=b"old, named by a pending row", created_at=ago(40)),
                Blob(sha256="c" * 64, data=b"new, named by nothing", created_at=ago(0)),
                Blob(sha256="d" * 64, data=b"old, a notice's audio", created_at=ago(40)),
                Blob(sha256="e" * 64, data=b"old, named by an old sent row", created_at=ago(40)),
            ])
            await s.flush()
            s.add(ChannelFile(channel="telegram", sha256="a" * 64, file_id="tg-file"))
            s.add_all([
                _message("old-sent", "sent", 11, digest="e" * 64),
                _message("old-failed", "failed", 11),
                _message("new-sent", "sent", 9),
                _message("old-pending", "pending", 11, digest="b" * 64),
            ])
            commune = (await Communes(s).all())[0]
            s.add(Notice(commune_id=commune.id, text="Thông báo", audio=[{"sha256": "d" * 64}]))

        assert await app.retention.prune_once() == Pruned(processed_updates=1, payloads=2,
                                                        blobs=2, drafts=0)

        async with app.db.transaction() as s:
            assert set(await s.scalars(select(ProcessedUpdate.update_key))) == {"new"}
            payloads = {m.chat_id: (m.payload, m.last_error)
                        for m in await s.scalars(select(OutboxMessage))}
            assert payloads["old-sent"] == ({}, None) and payloads["old-failed"] == ({}, None)
            assert payloads["new-sent"][0]["text"] == "Tin gửi new-sent"
            assert payloads["old-pending"][0]["text"] == "Tin gửi old-pending"
            assert set(await s.scalars(select(Blob.sha256))) == {"b" * 64, "c" * 64, "d" * 64}
            assert list(await s.scalars(select(ChannelFile))) == []
        # A second pass finds nothing left to do.
        assert await app.retention.prune_once() == Pruned(0, 0, 0, 0)


async def test_conversations_left_mid_flow_go_sooner_without_consent(database_url: str) -> None:
    """A draft left a month goes; a person who has not agreed to keep personal data keeps
    nothing typed for more than a day (a sign-up left half-way, a report's text held while
    consent was asked); an official, who is never asked, keeps a notice's draft a month.
    Talking again afterwards starts afresh."""
    async with console_app(database_url) as app:
        async with app.db.transaction() as s:
            agreed = await Users(s).create("console", "agreed")
            agreed.consent_at = ago(40)
            await Users(s).create("console", "declined")
            official = await Users(s).create("console", "official")  # no citizen's sign-up
            await Users(s).grant_official(official, (await Communes(s).all())[0].id)
            s.add_all([Conversation(channel="console", chat_id=chat, user_external_id=who,
                                    flow="feedback", step="description",
                                    data={"description": "Cống trước nhà tôi bị tắc"},
                                    updated_at=ago(days))
                       for chat, who, days in (("c1", "agreed", 31), ("c2", "agreed", 29),
                                               ("c3", "declined", 2), ("c4", "declined", 0.5),
                                               ("c5", "official", 2))])
        pruned = await app.retention.prune_once()
        assert pruned.drafts == 2
        async with app.db.transaction() as s:
            assert set(await s.scalars(select(Conversation.chat_id))) == {"c2", "c4", "c5"}
        assert (await app.retention.prune_once()).drafts == 0
        shown = await session(app, "declined").say("/start")
        assert "Mời bạn chọn ngôn ngữ" in texts(shown)

