"""/stats, /export and the monthly PDF, end to end: stored answers and feedback in, a PNG
whose figures match them, CSV files whose rows match them, a PDF with pages."""

from __future__ import annotations

import argparse
import calendar
import csv
import io
import json
from datetime import UTC, timedelta

from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from bot.commands_report import report as report_command
from services.communes import Communes
from services.db import utcnow
from services.feedback.models import FeedbackEvent, FeedbackReport
from services.models import AuditEntry
from services.surveys.charts import FIGURES_KEY
from services.surveys.models import SurveyAnswer
from services.surveys.service import Surveys
from services.surveys.stats import month_of
from services.timezones import VIETNAM_TZ
from services.users import Users
from tests.fakes.telegram_api import FakeTelegramAPI, make_message_update
from tests.helpers import TelegramDriver, settings_for, telegram_app, words

OFFICIAL, ADMIN = 7601, 7602
DOAI = [5, 5, 4, 4, 3, 2]      # six people of Thôn Đoài rate each SIPAS aspect
DONG = [5, 1]                  # two of Thôn Đông rate access only: too few to show
FEEDBACK = [(1, 5), (2, 4), (200, 2)]   # (hours to answer, rating); due after 120 hours


async def seed(app) -> dict:  # type: ignore[no-untyped-def]
    """An official, an admin, a finished SIPAS survey and three rated feedback reports."""
    now = utcnow()
    async with app.db.transaction() as session:
        demo = await Communes(session).by_code("00000")
        dong, doai = demo.villages[0].id, demo.villages[1].id
        users = Users(session)
        official, _ = await users.get_or_create("telegram", str(OFFICIAL))
        official.onboarded, official.display_name = True, "Cán bộ Tư pháp"
        await users.grant_official(official, demo.id)
        admin, _ = await users.get_or_create("telegram", str(ADMIN))
        admin.onboarded = True
        await users.grant_admin(admin)
        surveys = Surveys(session)
        survey = await surveys.from_template("filing", demo.id, official,
                                             now - timedelta(hours=2),
                                             target={"kind": "commune"})  # asks the people below
        await surveys.open(survey, now - timedelta(hours=2))
        people = [(doai, v) for v in DOAI] + [(dong, v) for v in DONG]
        for n, (village, value) in enumerate(people):
            user, _ = await users.get_or_create("telegram", str(8100 + n))
            user.onboarded, user.consent_at, user.display_name = True, now, f"Người {n}"
            user.commune_id, user.village_id = demo.id, village
            await session.flush()
            for question in survey.questions[:5 if village == doai else 1]:
                await surveys.answer(survey.id, question.id, user, now, value=value)
            await surveys.answer(survey.id, survey.questions[5].id, user, now,
                                 text="Cán bộ nhiệt tình")
        # Answered and rated within this month, whatever today's date: the month's first
        # hour plus at most 202 hours stays inside any month.
        created = now.astimezone(VIETNAM_TZ).replace(day=1, hour=1, minute=0, second=0,
                                             microsecond=0).astimezone(UTC)
        for n, (hours, rating) in enumerate(FEEDBACK):
            report = FeedbackReport(
                code=f"PA-00000-2026-{n + 1:04d}", commune_id=demo.id, channel="telegram",
                category="roads", village_id=doai, status="resolved", created_at=created,
                updated_at=created, ack_due_at=created + timedelta(hours=8),
                due_at=created + timedelta(hours=120), rating=rating,
                resolved_at=created + timedelta(hours=hours + 1))
            session.add(report)
            await session.flush()
            session.add(FeedbackEvent(report_id=report.id, kind="answer",
                                      at=created + timedelta(hours=hours)))
            session.add(FeedbackEvent(report_id=report.id, kind="rating",
                                      at=created + timedelta(hours=hours + 2)))
        return {"commune": demo.id, "survey": survey.id, "month": month_of(now)}


def expected_rate(values: list[int]) -> float:
    return round(sum(1 for v in values if v >= 4) / len(values) * 100, 1)


async def test_stats_png_and_summary_match_the_stored_answers(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=5000)
        seeded = await seed(app)
        shown = await tg.text(OFFICIAL, "/stats")
        [photo] = [c for c in shown if c.method == "sendPhoto"]
        image = Image.open(io.BytesIO(photo.files["photo"].content))
        assert image.format == "PNG" and image.size == (1100, 1100)
        numbers = json.loads(image.text[FIGURES_KEY])

        ratings = DOAI * 5 + DONG + [r for _, r in FEEDBACK]
        async with app.db.transaction() as session:
            stored = await session.scalar(select(func.count()).select_from(SurveyAnswer)
                                          .where(SurveyAnswer.value.is_not(None)))
        assert stored == len(DOAI) * 5 + len(DONG)
        assert numbers["period"] == seeded["month"]
        assert numbers["overall"] == {"count": len(ratings), "rate": expected_rate(ratings),
                                      "mean": round(sum(ratings) / len(ratings), 2)}
        assert numbers["village"]["Thôn Đoài"] == {
            "count": len(DOAI) * 5 + 3, "rate": expected_rate(DOAI * 5 + [5, 4, 2])}
        assert numbers["village"]["Thôn Đông"] == {"count": "< 5", "rate": None}
        assert numbers["aspect"]["access"] == {"count": 8, "rate": expected_rate(DOAI + DONG)}
        assert numbers["aspect"]["officials"] == {"count": 6, "rate": expected_rate(DOAI)}
        assert numbers["feedback"] == {"received": 3, "on_time": 66.7}

        text = words(shown)
        assert f"Hài lòng (4–5 điểm): {expected_rate(ratings):.1f}%".replace(".", ",") in text
        assert f"{len(ratings)} đánh giá" in text
        assert "Thôn Đông chưa đủ 5 đánh giá" in text and "< 5" not in text
        year, month = seeded["month"].split("-")
        assert f"📊 Xã Thôn Số (thử nghiệm) — tháng {int(month)}/{year}" in text
        assert "kỳ" not in text and seeded["month"] not in text
        assert "trả lời đúng hạn 66,7%" in text
        assert "Tiếp cận dịch vụ 62,5% (n=8)" in text
        assert "Công chức giải quyết 66,7% (n=6)" in text

        await tg.text(OFFICIAL, "/lang en")
        english = words(await tg.text(OFFICIAL, "/stats"))
        assert f"{calendar.month_name[int(month)]} {year}" in english
        assert "Thôn Đông fewer than 5 ratings" in english and "< 5" not in english
        empty = words(await tg.text(OFFICIAL, "/stats 2020-01"))
        assert "no data for January 2020 yet" in empty


async def test_exports_open_as_csv_and_full_needs_an_admin(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=5000)
        seeded = await seed(app)
        shown = await tg.text(OFFICIAL, f"/export {seeded['month']}")
        documents = {c.files["document"].filename: c.files["document"].content
                     for c in shown if c.method == "sendDocument"}
        assert set(documents) == {f"{name}_{seeded['month']}.csv"
                                  for name in ("phan_anh", "danh_gia", "khao_sat")}
        tables = {}
        for name, content in documents.items():
            assert content.startswith(b"\xef\xbb\xbf")
            tables[name.split("_2")[0]] = list(csv.DictReader(
                io.StringIO(content.decode("utf-8-sig"))))
        async with app.db.transaction() as session:
            answers = await session.scalar(select(func.count()).select_from(SurveyAnswer))
        assert len(tables["khao_sat"]) == answers == 6 * 6 + 2 * 2
        assert len(tables["phan_anh"]) == 3
        assert len(tables["danh_gia"]) == 6 * 5 + 2 + 3
        assert sorted(r["answered_on_time"] for r in tables["phan_anh"]) == ["0", "1", "1"]
        assert "respondent_name" not in tables["khao_sat"][0]
        assert {r["village"] for r in tables["khao_sat"]} == {"Thôn Đoài", "Thôn Đông"}

        full = await tg.text(ADMIN, f"/export {seeded['month']} full 00000")
        uploads = [c.files["document"] for c in full if "document" in c.files]
        survey_csv = next(u.content for u in uploads if u.filename.startswith("khao_sat"))
        rows = list(csv.DictReader(io.StringIO(survey_csv.decode("utf-8-sig"))))
        assert {r["respondent_name"] for r in rows} >= {"Người 0", "Người 7"}
        assert "Cán bộ nhiệt tình" in {r["text"] for r in rows}
        async with app.db.transaction() as session:
            audited = list(await session.scalars(select(AuditEntry).where(
                AuditEntry.action == "/export", AuditEntry.outcome == "ok")))
        assert [e.detail["full"] for e in audited] == [False, True]

        # A province admin may look at one commune by its code, or at all of them.
        everywhere = await tg.text(ADMIN, "/stats all")
        assert any(c.method == "sendPhoto" for c in everywhere)
        assert "Toàn tỉnh" in words(everywhere)
        one = await tg.text(ADMIN, "/stats 00000")
        assert "Xã Thôn Số" in words(one) and any(c.method == "sendPhoto" for c in one)
        assert "Không tìm thấy xã" in words(await tg.text(OFFICIAL, "/stats 99999"))


async def test_monthly_pdf_has_pages(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        seeded = await seed(app)
        assert await fake.post_to_webhook(make_message_update(1, 1, 1, "/start")) == 200
    out = tmp_path / "bao_cao.pdf"
    args = argparse.Namespace(commune="00000", month=seeded["month"], out=out, lang="vi")
    assert await report_command(args, settings_for(database_url)) == 0
    reader = PdfReader(out)
    assert len(reader.pages) >= 4
    first = reader.pages[0].extract_text()
    assert "BÁO CÁO MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN" in first
    assert "Tỷ lệ hài lòng" in first
    everything = "\n".join(page.extract_text() for page in reader.pages)
    assert "Thôn Đông" in everything and "chưa đủ 5 câu trả lời" in everything
    assert "Tiếp cận dịch vụ" in everything
