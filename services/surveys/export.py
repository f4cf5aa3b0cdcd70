"""CSV exports (UTF-8 with BOM, so spreadsheet programs read Vietnamese right) of feedback,
ratings and survey answers. Without `full`, nothing identifies a person: no names, no chat
ids, no free text. Every cell goes through `services.cells.inert`, so a citizen's text that
looks like a formula stays text in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cells import inert
from services.communes import Communes
from services.models import User
from services.surveys import sources
from services.surveys.models import Survey, SurveyAnswer, SurveyQuestion
from services.surveys.service import local
from services.surveys.stats import Period, Report


@dataclass(frozen=True)
class CsvFile:
    filename: str
    data: bytes
    rows: int


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> tuple[bytes, int]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([inert(v) for v in header])
    count = 0
    for row in rows:
        writer.writerow([inert(v) for v in row])
        count += 1
    return buffer.getvalue().encode("utf-8-sig"), count


def iso(moment: Any) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else ""


async def export_csvs(session: AsyncSession, commune_ids: list[int] | None, period: Period,
                      report: Report, *, full: bool) -> list[CsvFile]:
    villages = await Communes(session).village_names()
    users = {u.id: u for u in await session.scalars(select(User))} if full else {}
    tag = period.label
    files = []

    feedback_header = ["code", "category", "village", "status", "created_at", "due_at",
                       "answered_at", "resolved_at", "answered_on_time", "rating"]
    if full:
        feedback_header += ["description", "reporter_name", "reporter_channel", "reporter_id"]
    rows = []
    for row in await sources.feedback_rows(session, commune_ids, period.since, period.until):
        line: list[Any] = [
            row.code, row.category, villages.get(row.village_id or 0), row.status,
            iso(row.created_at), iso(row.due_at), iso(row.answered_at), iso(row.resolved_at),
            "" if row.answered_at is None else int(row.answered_at <= row.due_at), row.rating]
        if full:
            line += [row.description, *_person(users.get(row.reporter_id or 0))]
        rows.append(line)
    data, count = to_csv(feedback_header, rows)
    files.append(CsvFile(f"phan_anh_{tag}.csv", data, count))

    ratings = report.in_period()
    data, count = to_csv(
        ["source", "month", "value", "village", "category", "procedure", "aspect"],
        ([r.source, r.at.astimezone(period.since.tzinfo).strftime("%Y-%m"), r.value, r.village,
          r.category, r.procedure, r.aspect] for r in ratings))
    files.append(CsvFile(f"danh_gia_{tag}.csv", data, count))

    query = (
        select(SurveyAnswer, SurveyQuestion, Survey)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .where(SurveyAnswer.answered_at >= period.since, SurveyAnswer.answered_at < period.until)
        .order_by(SurveyAnswer.survey_id, SurveyQuestion.position, SurveyAnswer.id)
    )
    if commune_ids is not None:
        query = query.where(Survey.commune_id.in_(commune_ids))
    answers_header = ["survey_id", "survey", "question_no", "question", "kind", "aspect",
                      "value", "via", "village", "answered_at"]
    if full:
        answers_header += ["text", "respondent_name", "respondent_channel", "respondent_id"]
    rows = []
    for answer, question, survey in (await session.execute(query)).all():
        line = [survey.id, local(survey.title, "vi"), question.position + 1,
                local(question.text, "vi"), question.kind, question.aspect, answer.value,
                answer.via, villages.get(answer.village_id or 0), iso(answer.answered_at)]
        if full:
            line += [answer.text, *_person(users.get(answer.user_id or 0))]
        rows.append(line)
    data, count = to_csv(answers_header, rows)
    files.append(CsvFile(f"khao_sat_{tag}.csv", data, count))
    return files


def _person(user: User | None) -> list[Any]:
    if user is None:
        return ["", "", ""]
    return [user.display_name, user.channel, user.external_id]
