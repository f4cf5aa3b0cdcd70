"""Surveys, the monthly PDF and the filing funnel in the operations room over HTTP: a survey
created from a template, published, answered, its results with small cells suppressed and
the reason on the page, closed; a survey with no question refused whole; another commune's
survey refused and audited; the PDF of any month; the funnel up to dossier code, result and
rating."""

from __future__ import annotations

import io
import re
from html import escape, unescape

import pypdf
from sqlalchemy import func, select

from locales import Translator
from services.communes import Communes
from services.db import utcnow
from services.filing.service import Filings
from services.models import AuditEntry, Commune, Village
from services.surveys.models import Survey
from services.surveys.service import Surveys
from services.users import Users
from tests.helpers import console_app
from tests.notices_support import make_official
from tests.test_filing_funnel import script_walks
from tests.test_ops_notices import post_form
from tests.test_ops_web import client_for, sign_in

VI = Translator("vi")


async def survey_count(app: object) -> int:
    async with app.db.transaction() as s:  # type: ignore[attr-defined]
        return int(await s.scalar(select(func.count()).select_from(Survey)) or 0)


async def answer(app: object, survey_id: int, values: list[int]) -> None:
    """Citizens of the commune answer the first (1–5) question."""
    async with app.db.transaction() as s:  # type: ignore[attr-defined]
        survey = await Surveys(s).get(survey_id)
        assert survey is not None
        for n, value in enumerate(values):
            user, _ = await Users(s).get_or_create("console", f"resident{n}")
            user.onboarded, user.consent_at, user.commune_id = True, utcnow(), survey.commune_id
            await s.flush()
            await Surveys(s).answer(survey.id, survey.questions[0].id, user, utcnow(),
                                    value=value)
        # the third question (did it get better, yes/no): too few answers to show
        first = await Users(s).find("console", "resident0")
        assert first is not None
        await Surveys(s).answer(survey.id, survey.questions[2].id, first, utcnow(), value=1)


async def test_survey_from_template_published_results_suppressed_closed(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app, "official-a")
        client = await client_for(app)
        try:
            await sign_in(app, client)
            listing = await client.get("/ops/surveys")
            assert listing.status == 200 and VI("ops.surveys.new") in await listing.text()
            created = await post_form(client, "/ops/surveys", "/ops/surveys", {
                "template": "ntm", "delivery": "private", "days": "7"})
            assert created.status == 303, await created.text()
            path = created.headers["Location"].split("?")[0]
            draft = await (await client.get(path)).text()
            assert VI("surveys.status.draft") in draft and 'id="publish"' in draft
            published = await post_form(client, path + "/publish", path, {})
            assert published.status == 303
            survey_id = int(path.rsplit("/", 1)[1])
            await answer(app, survey_id, [5, 5, 4, 4, 2, 1])
            page = await (await client.get(path)).text()
            results = page.split('id="results"')[1]
            assert escape(VI("ops.surveys.privacy", n=5), quote=False) in results
            assert "<svg" in results and "66,7%" in results  # 4 of 6 gave 4 or 5 stars
            # 5★ 4★ shown as "< 5" (2 each): never an exact small count nor its bar's length
            assert results.count("&lt; 5") >= 5
            assert VI("ops.surveys.suppressed", n=5) in results  # the yes/no: one answer
            closed = await post_form(client, path + "/close", path, {})
            assert closed.status == 303
            assert VI("surveys.status.closed") in await (await client.get(path)).text()
            async with app.db.transaction() as s:
                actions = list(await s.scalars(select(AuditEntry.action).where(
                    AuditEntry.action.like("survey_%")).order_by(AuditEntry.id)))
            assert actions == ["survey_create", "survey_publish", "survey_close"]
        finally:
            await client.close()


CODES = ("scale", "choice", "yesno", "text", "ntm", "feedback", "filing", "custom",
         "private", "groups", "both", "draft")


def visible(html: str) -> str:
    """The page's text as read: no tags, no attribute values."""
    body = html.split("<body", 1)[1]
    return unescape(re.sub(r"<[^>]*>", " ", body))


async def test_a_draft_shows_its_questions_in_words_and_no_counts(database_url: str) -> None:
    """A draft has no answers: no "< 5" anywhere, "no answers yet" instead, and its questions
    as they will be asked, each with how it is answered in words; neither the draft nor the
    creation form shows a stored code."""
    async with console_app(database_url) as app:
        await make_official(app, "official-a")
        client = await client_for(app)
        try:
            await sign_in(app, client)
            form = await (await client.get("/ops/surveys")).text()
            shown = visible(form)
            assert VI("surveys.tpl.ntm.button") in shown and VI("ops.surveys.custom") in shown
            assert not [c for c in CODES if re.search(rf"\b{c}\b", shown)], shown
            created = await post_form(client, "/ops/surveys", "/ops/surveys", {
                "template": "ntm", "delivery": "private", "days": "7"})
            assert created.status == 303, await created.text()
            path = created.headers["Location"].split("?")[0]
            draft = await (await client.get(path)).text()
            shown = visible(draft)
            assert "< 5" not in shown and VI("ops.surveys.suppressed", n=5) not in shown
            assert re.search(r'id="respondents">([^<]*)<', draft).group(1) == VI(  # type: ignore[union-attr]
                "ops.surveys.no_answers")
            assert VI("ops.surveys.not_open") in shown
            asked = re.findall(r'<span class="kind">([^<]+)</span>', draft)
            assert asked == [VI(f"surveys.kind.{k}") for k in ("scale", "choice", "yesno", "text")]
            assert VI("surveys.tpl.ntm.opt_roads") in shown  # the choice's options, in words
            assert not [c for c in CODES if re.search(rf"\b{c}\b", shown)], shown
            published = await post_form(client, path + "/publish", path, {})
            assert published.status == 303
            opened = visible(await (await client.get(path)).text())
            assert "< 5" in opened and VI("ops.surveys.not_open") not in opened
        finally:
            await client.close()


async def test_survey_with_no_question_is_refused_whole(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app, "official-a")
        client = await client_for(app)
        try:
            await sign_in(app, client)
            answer_ = await post_form(client, "/ops/surveys", "/ops/surveys", {
                "template": "custom", "title": "Ý kiến về chợ xã", "questions": " \n \n",
                "delivery": "private", "days": "7"})
            html = await answer_.text()
            assert answer_.status == 400 and VI("ops.surveys.err.no_question") in html
            assert "Ý kiến về chợ xã" in html  # kept, to be completed
            untitled = await post_form(client, "/ops/surveys", "/ops/surveys", {
                "template": "custom", "title": "", "questions": "Chợ có sạch không?",
                "delivery": "private", "days": "7"})
            assert untitled.status == 400
            assert VI("ops.surveys.err.no_title") in await untitled.text()
            assert await survey_count(app) == 0
            made = await post_form(client, "/ops/surveys", "/ops/surveys", {
                "template": "custom", "title": "Ý kiến về chợ xã",
                "questions": "Chợ có sạch không?\nGiá cả có hợp lý không?",
                "delivery": "private", "days": "3"})
            assert made.status == 303
            async with app.db.transaction() as s:
                survey = await s.scalar(select(Survey))
                assert survey is not None and len(survey.questions) == 2
        finally:
            await client.close()


async def test_another_communes_survey_is_refused_and_audited(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app, "official-a")
        async with app.db.transaction() as s:
            other = Commune(code="00001", name="Xã Bên Cạnh", villages=[Village(name="Thôn Bên")])
            s.add(other)
            await s.flush()
            neighbour = await Users(s).create("console", "official-b")
            await Users(s).grant_official(neighbour, other.id)
            demo = await Communes(s).by_code("00000")
            assert demo is not None
            survey = await Surveys(s).from_template("ntm", demo.id, None, utcnow())
            survey_id = survey.id
        client = await client_for(app)
        try:
            await sign_in(app, client, "official-b")
            seen = await client.get(f"/ops/surveys/{survey_id}")
            assert seen.status == 403
            closed = await post_form(client, f"/ops/surveys/{survey_id}/close",
                                     "/ops/surveys", {})
            assert closed.status == 403
            assert f"/ops/surveys/{survey_id}\"" not in await (
                await client.get("/ops/surveys")).text()
            async with app.db.transaction() as s:
                denied = list(await s.scalars(select(AuditEntry.action).where(
                    AuditEntry.outcome == "denied").order_by(AuditEntry.id)))
                status = await s.scalar(select(Survey.status).where(Survey.id == survey_id))
            assert denied == ["ops.survey.view", "ops.survey.close"] and status == "draft"
        finally:
            await client.close()


async def test_monthly_pdf_for_any_month_and_the_funnel(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app, "official-a")
        await script_walks(app)
        async with app.db.transaction() as s:
            filings = Filings(s)
            walker = await Users(s).find("console", "walker1")  # at step 5, still open
            assert walker is not None
            [filing] = await filings.unfinished(walker)
            now = utcnow()
            filings.set_code(filing, "000.00.00.H00-261201-0001", now)
            filings.set_status(filing, "ready", None, now)
            await filings.rate(filing, "result", 5, now)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            page = await client.get("/ops/figures")
            html = await page.text()
            assert page.status == 200 and VI("ops.figures.funnel") in html
            funnel = html.split('id="funnel"')[1]
            row = funnel.split("1.001193")[1].split("</tr>")[0]
            cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
            # started, steps 2–5, dossier code, result, rating
            assert cells == ["5", "4", "3", "2", "2", "1", "1", "1"], cells
            pdf = await client.get("/ops/figures/monthly.pdf?month=2026-03")
            assert pdf.status == 200 and pdf.content_type == "application/pdf"
            assert "bao_cao_00000_2026-03.pdf" in pdf.headers["Content-Disposition"]
            document = pypdf.PdfReader(io.BytesIO(await pdf.read()))
            assert len(document.pages) >= 1
            assert "tháng 3/2026" in document.pages[0].extract_text()
            bad = await client.get("/ops/figures/monthly.pdf?month=2026-13")
            assert bad.status == 400 and VI("ops.figures.bad_month") in await bad.text()
            async with app.db.transaction() as s:
                audited = await s.scalar(select(AuditEntry.target).where(
                    AuditEntry.action == "ops.report_pdf"))
            assert audited == "2026-03"
        finally:
            await client.close()
