"""Invite links that make someone an official of a commune: the admin creates one, sends it,
the person opens the bot with it (`/start of_<token>`), and the admin confirms or refuses.
Only the SHA-256 digest of the token is stored, so a copy of the database invites no one;
a link is good for one person and seven days."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from locales import Translator
from services.audit import AuditEntries, actor_label
from services.db import Base, utcnow
from services.invites.actions import decision_keyboard
from services.models import Commune, User
from services.outbox import Outbox
from services.users import Users, is_admin

PAYLOAD_PREFIX = "of_"
VALID_FOR = timedelta(days=7)
OPEN, CLAIMED, ACCEPTED, REFUSED = "open", "claimed", "accepted", "refused"


class OfficialInvite(Base):
    __tablename__ = "official_invites"
    __table_args__ = (Index("ix_official_invites_commune", "commune_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    claimant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]


class InviteError(ValueError):
    """An invite that cannot be used; `key` is the catalogue text that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invites:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, admin: User, commune: Commune, now: datetime) -> str:
        """A new invite; returns the `/start` payload (shown once, never stored)."""
        token = secrets.token_urlsafe(18)
        self.session.add(OfficialInvite(digest=_digest(token), commune_id=commune.id,
                                        created_by_id=admin.id, created_at=now,
                                        expires_at=now + VALID_FOR))
        await self.session.flush()
        await AuditEntries(self.session).record(admin, "invite.create", commune_id=commune.id)
        return PAYLOAD_PREFIX + token

    async def pending(self, commune_id: int, now: datetime) -> list[OfficialInvite]:
        """Invites not yet decided and not expired, newest first."""
        return list(await self.session.scalars(
            select(OfficialInvite).where(OfficialInvite.commune_id == commune_id,
                                         OfficialInvite.status.in_((OPEN, CLAIMED)),
                                         OfficialInvite.expires_at > now)
            .order_by(OfficialInvite.id.desc())))

    async def get(self, invite_id: int) -> OfficialInvite | None:
        return await self.session.get(OfficialInvite, invite_id)

    async def claim(self, payload: str, user: User, now: datetime) -> OfficialInvite:
        """The person opened the link: the invite is theirs, and its creator is asked."""
        token = payload.removeprefix(PAYLOAD_PREFIX)
        invite = await self.session.scalar(
            select(OfficialInvite).where(OfficialInvite.digest == _digest(token[:64])))
        if invite is None or invite.expires_at <= now:
            raise InviteError("invites.unknown")
        if invite.status != OPEN and invite.claimant_id != user.id:
            raise InviteError("invites.used")
        if invite.status in (ACCEPTED, REFUSED):
            raise InviteError("invites.used")
        invite.status, invite.claimant_id, invite.claimed_at = CLAIMED, user.id, now
        await AuditEntries(self.session).record(user, "invite.claim",
                                                commune_id=invite.commune_id)
        await self._ask(invite, user)
        return invite

    async def _ask(self, invite: OfficialInvite, claimant: User) -> None:
        creator = await Users(self.session).get(invite.created_by_id or 0)
        commune = await self.session.get(Commune, invite.commune_id)
        if creator is None or not is_admin(creator) or commune is None:
            return  # still on the web page's list of pending invites
        t = Translator(creator.language)
        text = t("invites.ask", who=claimant.display_name or t("invites.someone"),
                 ref=actor_label(claimant), commune=commune.name)
        await Outbox(self.session).enqueue(creator.channel, creator.external_id, text=text,
                                           buttons=decision_keyboard(t, invite.id), priority=2)

    async def decide(self, invite: OfficialInvite, admin: User, accept: bool,
                     now: datetime) -> User:
        """Confirm or refuse a claimed invite; the person is told either way."""
        if invite.status != CLAIMED or invite.claimant_id is None:
            raise InviteError("invites.not_claimed" if invite.status == OPEN
                              else "invites.decided")
        person = await Users(self.session).get(invite.claimant_id)
        commune = await self.session.get(Commune, invite.commune_id)
        if person is None or commune is None:
            raise InviteError("invites.unknown")
        invite.status, invite.decided_at = (ACCEPTED if accept else REFUSED), now
        if accept:
            await Users(self.session).grant_official(person, commune.id)
        await AuditEntries(self.session).record(
            admin, "invite.accept" if accept else "invite.refuse", commune_id=commune.id,
            target=actor_label(person))
        t = Translator(person.language)
        await Outbox(self.session).enqueue(
            person.channel, person.external_id, priority=2,
            text=t("invites.welcome" if accept else "invites.refused", commune=commune.name))
        return person
