"""Users and their roles."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import utcnow
from services.models import (
    ROLE_CITIZEN,
    ROLE_OFFICIAL,
    ROLE_PROVINCE_ADMIN,
    User,
)
from services.ops.models import WebSession
from services.update_path import insert_loaded

LAST_SEEN_PRECISION = timedelta(minutes=10)


class Users:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def find(self, channel: str, external_id: str) -> User | None:
        return await self.session.scalar(
            select(User).where(User.channel == channel, User.external_id == external_id)
        )

    async def get_or_create(self, channel: str, external_id: str, *,
                            language: str = "vi") -> tuple[User, bool]:
        user = await self.find(channel, external_id)
        if user is not None:
            self.seen(user)
            return user, False
        return await self.create(channel, external_id, language=language), True

    async def create(self, channel: str, external_id: str, *, language: str = "vi") -> User:
        """A new user, written at once."""
        user = self.new(channel, external_id, language=language)
        await insert_loaded(self.session, user)
        return user

    @staticmethod
    def new(channel: str, external_id: str, *, language: str = "vi") -> User:
        """A new user to write (`services.update_path.insert_loaded`)."""
        return User(channel=channel, external_id=external_id, language=language)

    @staticmethod
    def seen(user: User) -> None:
        now = utcnow()
        if now - user.last_seen_at > LAST_SEEN_PRECISION:  # spare a write per message
            user.last_seen_at = now

    async def officials_of(self, commune_id: int) -> list[User]:
        """Officials of a commune (province admins are not included: they oversee)."""
        rows = await self.session.scalars(
            select(User).where(User.role == ROLE_OFFICIAL, User.official_commune_id == commune_id)
        )
        return list(rows)

    async def grant_official(self, user: User, commune_id: int) -> None:
        if user.role != ROLE_PROVINCE_ADMIN:
            user.role = ROLE_OFFICIAL
        user.official_commune_id = commune_id

    async def revoke_officials_of(self, commune_id: int) -> int:
        """Officials of a commune about to be removed become citizens again."""
        officials = await self.officials_of(commune_id)
        for user in officials:
            await self.revoke(user)
        return len(officials)

    async def grant_admin(self, user: User) -> None:
        user.role = ROLE_PROVINCE_ADMIN

    async def revoke(self, user: User) -> None:
        """Back to citizen; their operations-room sessions end now, not at their next page."""
        user.role = ROLE_CITIZEN
        user.official_commune_id = None
        await self.session.execute(delete(WebSession).where(WebSession.user_id == user.id))

    async def bootstrap_admins(self, channel: str, external_ids: Iterable[str]) -> int:
        """Make the configured users province admins; return how many changed."""
        changed = 0
        for external_id in external_ids:
            user, _ = await self.get_or_create(channel, external_id)
            if user.role != ROLE_PROVINCE_ADMIN:
                user.role = ROLE_PROVINCE_ADMIN
                changed += 1
        return changed


def is_admin(user: User) -> bool:
    return user.role == ROLE_PROVINCE_ADMIN


def is_official(user: User) -> bool:
    """A province admin, or an official who still has a commune: one whose commune was
    removed (the foreign key sets it to NULL) has lost the role with it."""
    return user.role == ROLE_PROVINCE_ADMIN or (
        user.role == ROLE_OFFICIAL and user.official_commune_id is not None)


def can_act_in(user: User, commune_id: int | None) -> bool:
    """Officials act only inside their commune; province admins anywhere."""
    if user.role == ROLE_PROVINCE_ADMIN:
        return True
    return user.role == ROLE_OFFICIAL and commune_id is not None \
        and user.official_commune_id == commune_id
