"""Old and forged buttons of every feature get the stale answer and change nothing: data of the
bot's earlier string format, data no button of the current one could carry, and real buttons
pressed where they no longer apply (another step, another flow, another chat)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers.feedback import FollowSimilar, PickCategory, SendReport, ShowMine, SkipComment
from handlers.onboarding import Consent, PickCommune
from services.feedback.actions import RateReport
from services.feedback.models import FeedbackFollower, FeedbackReport
from services.models import Chat, Conversation, User
from tests.helpers import console_app, session, texts
from tests.notices_support import ConsoleGroup, linked_group
from tests.test_feedback_flow import file_report, make_official, onboard

STALE = "Nút này đã cũ"

CITIZEN_PRESSES = [
    "fb:cat:roads", "fbc:consent", "fbm:1", "fbr:rate:1:5", "fbr:still:1:yes",  # old format
    "fb.cat:roads:extra", "fb.rate:1:9", "fb.still:1:maybe", "fb.mine:x",        # forged
    PickCategory("spaceships").pack(),      # no such category
    SendReport().pack(),                    # a step the draft has not reached
    FollowSimilar(1).pack(),                # a report that was not offered
    ShowMine(999).pack(), SkipComment().pack(),
    "menu:nonsense", "set:lang", "lang:fr", "set.home:1",                       # menu, settings
    "ob:consent:yes", Consent(True).pack(), PickCommune(1).pack(),              # onboarding
    "pv:erase_yes", "pv.confirm:2", "pv.erase:now",                             # privacy
    "grp:v:1:0",   # groups (a citizen pressing a real one is refused by its role)
]
OFFICIAL_PRESSES = [
    "fbo:view:1", "fbi:0:o", "fbf:cat",                                          # old format
    "fb.inbox:0:zz:::0", "fb.inbox:-1:open:::0", "fb.status:1:rejected", "fb.filter:x",
    "fb.tplsend:1:one", "fb.open:1:2",
]


async def snapshot(app: Any) -> dict[str, Any]:
    """What a button could change: people, conversations, reports, followers, group links."""
    async with app.db.transaction() as s:
        users = [(u.external_id, u.language, u.commune_id, u.village_id, u.consent_at,
                  u.onboarded, u.display_name) for u in await s.scalars(
                      select(User).order_by(User.id))]
        conversations = [(c.user_external_id, c.chat_id, c.flow, c.step, c.data)
                         for c in await s.scalars(select(Conversation).order_by(Conversation.id))]
        reports = [(r.id, r.status, r.rating, r.acknowledged_at) for r in await s.scalars(
            select(FeedbackReport).order_by(FeedbackReport.id))]
        followers = [(f.report_id, f.user_id) for f in await s.scalars(select(FeedbackFollower))]
        chats = [(c.chat_id, c.commune_id, c.village_id, c.active)
                 for c in await s.scalars(select(Chat).order_by(Chat.id))]
    return {"users": users, "conversations": conversations, "reports": reports,
            "followers": followers, "chats": chats}


async def test_old_and_forged_buttons_are_stale_and_change_nothing(database_url: str) -> None:
    async with console_app(database_url) as app:
        app.set_config(flood_limit=1000)     # the per-minute guard of the core is not tested here
        official = await make_official(app)
        citizen = session(app)
        await onboard(citizen)
        await file_report(citizen, photo=False, location=None)
        assert "Mã theo dõi" in texts(await citizen.press(SendReport().pack()))
        group = await linked_group(app, "official", "group-1", "Nhóm Thôn Đông", 0)
        await citizen.say("/feedback")                 # a draft in progress, at its first step
        await official.say("/inbox")
        before = await snapshot(app)
        for data in CITIZEN_PRESSES:
            assert STALE in texts(await citizen.press(data)), data
        for data in OFFICIAL_PRESSES:
            assert STALE in texts(await official.press(data)), data
        assert STALE in texts(await group.press("official", "grp:v:1:2"))
        assert STALE in texts(await ConsoleGroup(app, "group-1", "").press(
            "official", PickCommune(1).pack()))
        assert await snapshot(app) == before


async def test_someone_elses_rating_button_is_stale(database_url: str) -> None:
    async with console_app(database_url) as app:
        official = await make_official(app)
        citizen, other = session(app), session(app, "other", name="Lê Thị Bình")
        await onboard(citizen)
        await onboard(other)
        await file_report(citizen, photo=False, location=None)
        done = texts(await citizen.press(SendReport().pack()))
        code = next(w for w in done.split() if w.startswith("PA-"))
        await official.say(f"/status {code} resolved")
        async with app.db.transaction() as s:
            report_id = (await s.execute(select(FeedbackReport.id))).scalar_one()
        before = await snapshot(app)
        assert STALE in texts(await other.press(RateReport(report_id, 5).pack()))
        assert await snapshot(app) == before
        assert "Cảm ơn bạn đã đánh giá" in texts(await citizen.press(
            RateReport(report_id, 5).pack()))      # the reporter's own button works
