"""The guided online filing over one unit of work: walks, their steps and checklists, the
portal's dossier codes and statuses, ratings, and the officials' funnel."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.filing.models import (
    ACTIVE,
    ASPECTS,
    CANCELLED,
    DOSSIER_STATUSES,
    FINAL_STATUSES,
    FINISHED,
    STEPS,
    Filing,
    FilingRating,
)
from services.models import User
from services.procedures.procedure import Procedure
from services.text import fold, nfc
from services.worktime import WorkCalendar

CODE_MIN, CODE_MAX = 10, 40
_CODE_SHAPE = re.compile(r"^[A-Z0-9]+(?:[.\-][A-Z0-9]+)+$")
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "_": "-"})


DOSSIER_STATUS_WORDS = {
    "tiep nhan": "received", "da tiep nhan": "received",
    "can bo sung": "need_more", "bo sung": "need_more", "can bo sung giay to": "need_more",
    "dang giai quyet": "processing", "giai quyet": "processing", "dang xu ly": "processing",
    "xu ly": "processing",
    "co ket qua": "ready", "da co ket qua": "ready",
    "tra ket qua": "returned", "da tra ket qua": "returned", "da tra": "returned",
    "need more": "need_more", "more papers needed": "need_more",
    "being processed": "processing", "result ready": "ready",
    "result handed over": "returned", "handed over": "returned",
}
"""A dossier's status as an official writes it, folded (marks and case dropped): the words of
the status the catalogues show (`filing.status_*`), shorter forms of them, or its code."""


def read_dossier_status(text: str) -> tuple[str | None, str]:
    """The status a text starts with ("cần bổ sung", "da tra ket qua", "ready") and the note
    after it; (None, text) when it starts with none."""
    words = text.split()
    for count in range(min(5, len(words)), 0, -1):
        said = " ".join(re.sub(r"[^a-z_]", "", fold(word)) for word in words[:count])
        status = said if said in DOSSIER_STATUSES else DOSSIER_STATUS_WORDS.get(said)
        if status is not None:
            return status, " ".join(words[count:])
    return None, text


def parse_dossier_code(text: str) -> str | None:
    """A portal dossier code ("mã hồ sơ") in canonical form, or None when the text does not
    look like one: letters, digits, dots and dashes, 10–40 characters, with a date-like group
    between the agency's prefix and the sequence number (G22.99-241125-0001,
    000.00.00.H12-241125-0001). A message with one such code in it (a forwarded SMS) gives
    that code."""
    whole = _code(re.sub(r"\s+", "", text))
    if whole is not None:
        return whole
    found = {code for token in text.split() if (code := _code(token.strip(".,;:()[]\"'«»")))}
    return found.pop() if len(found) == 1 else None


def _code(text: str) -> str | None:
    code = nfc(text).translate(_DASHES).upper()
    if not (CODE_MIN <= len(code) <= CODE_MAX) or not code.isascii() \
            or not _CODE_SHAPE.match(code):
        return None
    groups = re.split(r"[.\-]", code)
    return code if any(_date_like(group) for group in groups[1:-1]) else None


def _date_like(group: str) -> bool:
    if not group.isdigit():
        return False
    if len(group) == 6:  # yymmdd or ddmmyy
        a, b, c = int(group[:2]), int(group[2:4]), int(group[4:])
        return 1 <= b <= 12 and (1 <= c <= 31 or 1 <= a <= 31)
    if len(group) == 8:  # yyyymmdd or ddmmyyyy
        head, tail = int(group[:4]), int(group[4:])
        return (1990 <= head <= 2099 and 1 <= tail // 100 <= 12 and 1 <= tail % 100 <= 31) \
            or (1990 <= tail <= 2099 and 1 <= head % 100 <= 12 and 1 <= head // 100 <= 31)
    return False


def can_file_online(procedure: Procedure) -> bool:
    return procedure.fully_online or "online" in procedure.channels


def expected_date(calendar: WorkCalendar, received: datetime,
                  days: float | None) -> datetime | None:
    """When the result is due: the processing time in working days after receipt."""
    if days is None:
        return None
    return calendar.add_working_days(received, math.ceil(days))


@dataclass(frozen=True)
class FunnelRow:
    code: str
    name: str
    started: int
    reached: tuple[int, ...]
    """How many walks reached step 1, 2, … 5."""
    finished: int
    coded: int = 0
    """Walks that got a dossier code, then a result (ready or returned), then a rating."""
    result: int = 0
    rated: int = 0


class Filings:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, filing_id: int) -> Filing | None:
        return await self.session.get(Filing, filing_id)

    async def unfinished(self, user: User) -> list[Filing]:
        rows = await self.session.scalars(
            select(Filing).where(Filing.user_id == user.id, Filing.status == ACTIVE)
            .order_by(Filing.updated_at.desc(), Filing.id.desc()))
        return list(rows)

    async def with_code(self, user: User) -> list[Filing]:
        rows = await self.session.scalars(
            select(Filing).where(Filing.user_id == user.id, Filing.dossier_code.is_not(None))
            .order_by(Filing.id.desc()))
        return list(rows)

    async def by_code(self, code: str) -> Filing | None:
        return await self.session.scalar(
            select(Filing).where(Filing.dossier_code == code).order_by(Filing.id.desc())
            .limit(1))

    async def start(self, user: User, procedure: Procedure,
                    now: datetime) -> tuple[Filing, bool]:
        """A new walk (and True), or the citizen's unfinished one for the same procedure."""
        existing = await self.session.scalar(
            select(Filing).where(Filing.user_id == user.id, Filing.status == ACTIVE,
                                 Filing.procedure_code == procedure.code)
            .order_by(Filing.id.desc()).limit(1))
        if existing is not None:
            return existing, False
        filing = Filing(user_id=user.id, commune_id=user.commune_id,
                        procedure_code=procedure.code, procedure_name=procedure.name[:300],
                        step=1, reached=1, skipped=[], checklist=[], status=ACTIVE,
                        started_at=now, updated_at=now)
        self.session.add(filing)
        await self.session.flush()
        return filing, True

    @staticmethod
    def move(filing: Filing, step: int, now: datetime, *, skipped: bool = False) -> None:
        step = max(1, min(STEPS, step))
        if skipped and filing.step not in filing.skipped:
            filing.skipped = [*filing.skipped, filing.step]
        filing.step = step
        filing.reached = max(filing.reached, step)
        filing.updated_at = now

    @staticmethod
    def toggle(filing: Filing, index: int, now: datetime) -> bool:
        """Tick or untick a paper; return whether it is now ready."""
        ready = set(filing.checklist)
        ready.symmetric_difference_update({index})
        filing.checklist = sorted(ready)
        filing.updated_at = now
        return index in ready

    async def code_taken(self, code: str, filing: Filing) -> bool:
        other = await self.session.scalar(
            select(Filing.id).where(Filing.dossier_code == code, Filing.id != filing.id)
            .limit(1))
        return other is not None

    @staticmethod
    def set_code(filing: Filing, code: str, now: datetime) -> None:
        filing.dossier_code = code
        filing.submitted_at = now
        filing.updated_at = now

    @staticmethod
    def finish(filing: Filing, now: datetime) -> None:
        filing.status, filing.finished_at, filing.updated_at = FINISHED, now, now

    @staticmethod
    def cancel(filing: Filing, now: datetime) -> None:
        filing.status, filing.updated_at = CANCELLED, now

    @staticmethod
    def set_status(filing: Filing, status: str, note: str | None, now: datetime) -> None:
        filing.dossier_status, filing.dossier_note, filing.status_at = status, note, now

    async def rate(self, filing: Filing, aspect: str, score: int, now: datetime) -> None:
        if aspect not in ASPECTS or not 1 <= score <= 5:
            raise ValueError(f"bad rating {aspect}={score}")
        row = await self.session.get(FilingRating, (filing.id, aspect))
        if row is None:
            self.session.add(FilingRating(filing_id=filing.id, aspect=aspect, score=score,
                                          rated_at=now))
        else:
            row.score, row.rated_at = score, now
        await self.session.flush()

    async def ratings(self, filing: Filing) -> dict[str, int]:
        rows = await self.session.scalars(
            select(FilingRating).where(FilingRating.filing_id == filing.id))
        return {row.aspect: row.score for row in rows}

    async def funnel(self, commune_id: int | None) -> list[FunnelRow]:
        """Per procedure: walks started, how many reached each step, how many finished.
        ``None`` counts every commune."""
        reached = [func.sum(case((Filing.reached >= step, 1), else_=0))
                   for step in range(1, STEPS + 1)]
        rated = select(FilingRating.filing_id).where(FilingRating.filing_id == Filing.id).exists()
        later = [func.sum(case((condition, 1), else_=0)) for condition in (
            Filing.dossier_code.is_not(None), Filing.dossier_status.in_(FINAL_STATUSES), rated)]
        query = select(Filing.procedure_code, func.max(Filing.procedure_name), func.count(),
                       func.sum(case((Filing.status == FINISHED, 1), else_=0)), *later,
                       *reached).group_by(Filing.procedure_code)
        if commune_id is not None:
            query = query.where(Filing.commune_id == commune_id)
        rows = [FunnelRow(code, name, int(started), tuple(int(n or 0) for n in steps),
                          int(done or 0), int(coded or 0), int(result or 0), int(rates or 0))
                for code, name, started, done, coded, result, rates, *steps
                in await self.session.execute(query)]
        return sorted(rows, key=lambda row: (-row.started, row.code))
