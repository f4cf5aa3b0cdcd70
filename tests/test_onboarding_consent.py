"""Consent given later, through the Telegram fake: a citizen who declined it at sign-up agrees
from the privacy page or from "consent is needed" (the button, or "đồng ý" typed), is asked
the consent question no second time and never the language again, and a report they were
sending goes on with what they typed. Moving village afterwards asks no consent."""

from __future__ import annotations

from sqlalchemy import select

from handlers.feedback import (
    ContentDone,
    GiveConsent,
    PickPlace,
    SendReport,
    SetAnonymous,
    SetUrgent,
)
from handlers.home import MenuEntry, OpenMenu
from handlers.menu import ChangeHome
from handlers.onboarding import Consent, OnboardLanguage, PickCommune, PickVillage
from handlers.privacy import AgreeToKeep, ShowPrivacy
from handlers.understand import FileTyped
from services.feedback.models import FeedbackReport
from services.models import User
from services.update_path import load_parties
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import TelegramDriver, buttons_of, telegram_app, words

CITIZEN = 7501
CONSENT_QUESTION = "Bạn có đồng ý không?"
LANGUAGE_QUESTION = "chọn ngôn ngữ"
STREET_LIGHT = "đèn đường thôn Đông bị hỏng"


async def decline_at_sign_up(tg: TelegramDriver, language: str = "vi") -> None:
    """Language, the demo commune, Thôn Đoài, consent declined."""
    await tg.text(CITIZEN, "/start")
    await tg.press(CITIZEN, OnboardLanguage(language).pack())  # type: ignore[arg-type]
    await tg.press(CITIZEN, PickCommune(1).pack())
    asked = await tg.press(CITIZEN, PickVillage(2).pack())
    assert buttons_of(asked[-1]) == [Consent(True).pack(), Consent(False).pack()]
    declined = await tg.press(CITIZEN, Consent(False).pack())
    assert ("Settings → Personal data" if language == "en"
            else "Cài đặt → Dữ liệu cá nhân") in words(declined)  # where to agree later


async def citizen(app) -> User:  # type: ignore[no-untyped-def]
    async with app.db.transaction() as s:
        user = await s.scalar(select(User).where(User.external_id == str(CITIZEN)))
        assert user is not None
        return user


async def flow_of(app):  # type: ignore[no-untyped-def]
    async with app.db.transaction() as s:
        _, _, state = await load_parties(s, "telegram", str(CITIZEN), str(CITIZEN))
        return state


async def test_agreeing_from_the_privacy_page_asks_only_the_village(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await decline_at_sign_up(tg, "en")
        user = await citizen(app)
        assert user.consent_at is None and user.village_id is None  # nothing kept
        page = await tg.press(CITIZEN, ShowPrivacy().pack())
        assert "Decree 13/2023/NĐ-CP" in words(page)
        assert AgreeToKeep().pack() in buttons_of(page[-1])
        agreed = await tg.press(CITIZEN, AgreeToKeep().pack())
        # No consent question again, no language question: the language stays English.
        assert "Do you agree?" not in words(agreed) and "choose your language" not in words(agreed)
        assert "which village (thôn) do you live in?" in words(agreed)
        assert PickVillage(2).pack() in buttons_of(agreed[-1])
        saved = await tg.press(CITIZEN, PickVillage(2).pack())
        assert "Your details are saved" in words(saved)
        user = await citizen(app)
        assert user.consent_at is not None and user.village_id == 2 and user.language == "en"
        assert (await flow_of(app)).flow is None
        again = await tg.press(CITIZEN, ShowPrivacy().pack())
        assert "Consent given on" in words(again)


async def test_typing_dong_y_on_the_privacy_page_agrees(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await decline_at_sign_up(tg)
        await tg.text(CITIZEN, "/privacy")
        agreed = await tg.text(CITIZEN, "đồng ý")
        assert CONSENT_QUESTION not in words(agreed) and LANGUAGE_QUESTION not in words(agreed)
        assert "bạn ở thôn nào" in words(agreed)
        await tg.press(CITIZEN, PickVillage(3).pack())
        user = await citizen(app)
        assert user.consent_at is not None and user.village_id == 3


async def test_typing_dong_y_at_consent_needed_carries_on_with_the_report(
        database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await decline_at_sign_up(tg)
        needs = await tg.press(CITIZEN, OpenMenu(MenuEntry.FEEDBACK).pack())
        assert "Nghị định 13/2023/NĐ-CP" in words(needs) and "gõ «đồng ý»" in words(needs)
        agreed = await tg.text(CITIZEN, "Đồng ý")
        assert CONSENT_QUESTION not in words(agreed) and LANGUAGE_QUESTION not in words(agreed)
        assert "bạn ở thôn nào" in words(agreed)
        resumed = await tg.press(CITIZEN, PickVillage(2).pack())
        assert "Cảm ơn bạn! Đã lưu thông tin." in words(resumed)
        assert "Bạn phản ánh về việc gì?" in words(resumed)  # the report, not the menu
        assert (await flow_of(app)).flow == "feedback"


async def test_agreeing_keeps_the_typed_report(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await decline_at_sign_up(tg)
        offer = await tg.text(CITIZEN, STREET_LIGHT)
        assert f"«{STREET_LIGHT}»" in words(offer)
        needs = await tg.press(CITIZEN, FileTyped("lighting").pack())
        assert GiveConsent().pack() in buttons_of(needs[-1])
        agreed = await tg.press(CITIZEN, GiveConsent().pack())
        assert CONSENT_QUESTION not in words(agreed)
        resumed = await tg.press(CITIZEN, PickVillage(2).pack())
        assert "Đã ghi nhận nội dung" in words(resumed)  # straight to the photos
        state = await flow_of(app)
        assert state.flow == "feedback" and state.data["description"] == STREET_LIGHT
        await tg.press(CITIZEN, ContentDone().pack())
        await tg.press(CITIZEN, PickPlace(None).pack())
        await tg.press(CITIZEN, SetUrgent(False).pack())
        await tg.press(CITIZEN, SetAnonymous(False).pack())
        sent = await tg.press(CITIZEN, SendReport().pack())
        assert "Mã theo dõi: PA-00000-" in words(sent)
        async with app.db.transaction() as s:
            report = await s.scalar(select(FeedbackReport))
            assert report is not None
            assert (report.description, report.category) == (STREET_LIGHT, "lighting")


async def test_other_words_at_consent_needed_are_read_afresh(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await decline_at_sign_up(tg)
        await tg.press(CITIZEN, OpenMenu(MenuEntry.FEEDBACK).pack())
        answer = await tg.text(CITIZEN, "làm giấy khai sinh cần gì")
        assert "khai sinh" in words(answer).lower()
        assert (await flow_of(app)).flow != "onboarding"
        assert (await citizen(app)).consent_at is None


async def test_moving_village_after_a_later_consent_asks_no_consent(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await decline_at_sign_up(tg)
        await tg.press(CITIZEN, OpenMenu(MenuEntry.FEEDBACK).pack())
        await tg.press(CITIZEN, GiveConsent().pack())
        await tg.press(CITIZEN, PickVillage(2).pack())
        await tg.text(CITIZEN, "hủy")                     # leaves the report
        for village in (1, 3):
            asked = await tg.press(CITIZEN, ChangeHome().pack())
            assert CONSENT_QUESTION not in words(asked) and "bạn ở thôn nào" in words(asked)
            moved = await tg.press(CITIZEN, PickVillage(village).pack())
            assert CONSENT_QUESTION not in words(moved)
            assert "Đã lưu xã, thôn mới của bạn." in words(moved)
            assert (await citizen(app)).village_id == village
        consented = (await citizen(app)).consent_at
        assert consented is not None
