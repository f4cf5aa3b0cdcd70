"""Passwordless sign-in for officials: a one-time link sent in chat opens a server-side
session. Links live 10 minutes and work once; sessions end after 12 idle hours, at sign-out,
and at once when the user is no longer an official."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import User
from services.ops.models import SignInLink, WebSession
from services.users import is_official

LINK_LIFETIME = timedelta(minutes=10)
IDLE_LIMIT = timedelta(hours=12)
SEEN_EVERY = timedelta(minutes=1)
"""A session's last-seen time is written at most once a minute, not on every page."""


class SignInError(Exception):
    """A link that cannot open a session; `key` names the page that explains why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Opened:
    token: str
    """The session cookie's value (only its digest is stored)."""
    session: WebSession


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SignIn:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def issue_link(self, user: User, now: datetime) -> str:
        """A new one-time token for `user` (an official or a province admin)."""
        if not is_official(user):
            raise SignInError("ops.signin.not_official")
        token = secrets.token_urlsafe(32)
        self.session.add(SignInLink(digest=digest(token), user_id=user.id, created_at=now,
                                    expires_at=now + LINK_LIFETIME))
        await self.session.flush()
        return token

    async def redeem(self, token: str, now: datetime) -> Opened:
        """Spend a link and open a new session (a new id: nothing carried over), in the
        language the official chose in chat."""
        link = await self.session.scalar(
            select(SignInLink).where(SignInLink.digest == digest(token)).with_for_update())
        if link is None:
            raise SignInError("ops.signin.unknown")
        if link.used_at is not None:
            raise SignInError("ops.signin.used")
        if link.expires_at <= now:
            raise SignInError("ops.signin.expired")
        user = await self.session.get(User, link.user_id)
        if user is None or not is_official(user):
            raise SignInError("ops.signin.not_official")
        spent = await self.session.execute(
            update(SignInLink).where(SignInLink.digest == link.digest,
                                     SignInLink.used_at.is_(None)).values(used_at=now))
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            raise SignInError("ops.signin.used")
        cookie = secrets.token_urlsafe(32)
        web = WebSession(digest=digest(cookie), user_id=user.id, csrf=secrets.token_urlsafe(24),
                         language=user.language, commune_id=user.official_commune_id,
                         created_at=now, seen_at=now)
        self.session.add(web)
        await self.session.flush()
        return Opened(cookie, web)

    async def current(self, token: str, now: datetime) -> tuple[WebSession, User] | None:
        """The session of a cookie and its user, if both are still good."""
        web = await self.session.get(WebSession, digest(token))
        if web is None:
            return None
        user = await self.session.get(User, web.user_id)
        if now - web.seen_at > IDLE_LIMIT or user is None or not is_official(user):
            await self.session.delete(web)
            return None
        if now - web.seen_at > SEEN_EVERY:
            web.seen_at = now
        return web, user

    async def end(self, token: str) -> None:
        await self.session.execute(delete(WebSession).where(WebSession.digest == digest(token)))

    async def end_all(self, user_id: int) -> int:
        """Every session of a user (their role was revoked)."""
        result = await self.session.execute(delete(WebSession).where(
            WebSession.user_id == user_id))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
