"""The numbered-choices memory of channels without buttons, noted when a message is sent.

A message queued outside the conversation's own update (a background job, another person's
action) offers choices the processor never saw; the channel tells us when it reached a
private chat, and the conversation then remembers them so that a typed "2" presses them.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.channels.base import ChoicesShown
from services.conversations import Conversations, conversation_lock
from services.db import Database
from services.models import OutboxMessage


def remember_choices(db: Database, channel: str) -> ChoicesShown:
    """Store the choices a private chat was shown last, under the conversation's lock, so a
    typed number presses a button of the message the citizen sees.

    Not when the citizen wrote after the message was queued: the processor then stored the
    choices of its newer answer (or cleared them), and a note that lands late (a quick citizen,
    a busy database) must not bring an older message's choices back."""
    async def remember(chat_id: str, choices: list[list[str]], outbox_id: int) -> None:
        lock = conversation_lock(channel, chat_id, chat_id)   # the processor's, for this chat
        async with db.transaction(lock=lock) as session:
            conversation = await Conversations(session).load(channel, chat_id, chat_id)
            queued = await session.scalar(select(OutboxMessage.created_at)
                                          .where(OutboxMessage.id == outbox_id))
            if queued is not None and conversation.updated_at is not None \
                    and conversation.updated_at > queued:
                return
            if conversation.choices != choices:
                conversation.choices = choices
    return remember
