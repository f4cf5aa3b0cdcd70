"""Flows through the in-process channel (the console's core), on SQLite and PostgreSQL."""

import json
import unicodedata

from sqlalchemy import func, select

from handlers.home import MenuEntry, OpenMenu
from handlers.onboarding import OnboardLanguage
from services.models import AuditEntry, Conversation, User
from tests.helpers import console_app, session, texts


async def onboard(person, *, consent: str = "1") -> list:
    await person.say("/start")
    await person.say("1")           # Tiếng Việt
    await person.say("2")           # the demo commune's second village
    return await person.say(consent)


async def test_onboarding_to_main_menu(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        first = await person.say("/start")
        assert "Mời bạn chọn ngôn ngữ" in texts(first)
        assert first[-1].choices == ("Tiếng Việt", "English")
        villages = await person.say("1")
        assert "bạn ở thôn nào" in texts(villages)
        assert villages[-1].choices[:3] == ("Thôn Đông", "Thôn Đoài", "Thôn Trung")
        consent = await person.say("Thôn Đoài")   # answering with the words works too
        assert "Nghị định 13/2023/NĐ-CP" in texts(consent)
        done = await person.say("1")
        assert "Cảm ơn bạn" in texts(done)
        assert done[-1].choices[0] == "📝 Gửi phản ánh, kiến nghị"
        async with app.db.transaction() as s:
            user = await s.scalar(select(User).where(User.external_id == "citizen"))
            assert user.onboarded and user.consent_at is not None
            assert user.display_name == "Nguyễn Văn An"
            assert user.village_id is not None and user.commune_id is not None


async def test_without_consent_nothing_personal_is_kept(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        done = await onboard(person, consent="2")
        assert "không lưu thông tin cá nhân" in texts(done)
        async with app.db.transaction() as s:
            user = await s.scalar(select(User).where(User.external_id == "citizen"))
            assert user.onboarded and user.consent_at is None
            assert (user.display_name, user.commune_id, user.village_id) == (None, None, None)
        privacy = await person.say("/privacy")
        assert "không lưu thông tin cá nhân" in texts(privacy)


async def test_decomposed_vietnamese_is_understood(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await person.say("/start")
        await person.say("1")
        decomposed = unicodedata.normalize("NFD", "Thôn Đoài")
        assert decomposed != "Thôn Đoài"
        consent = await person.say(decomposed)
        assert "Nghị định 13/2023/NĐ-CP" in texts(consent)


async def test_out_of_range_choice_is_answered_politely(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await person.say("/start")
        shown = await person.say("7")
        assert texts(shown) == "Mời gõ một số từ 1 đến 2."
        assert "bạn ở thôn nào" in texts(await person.say("1"))


async def test_english_catalogue_is_used_after_choosing_english(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await person.say("/start")
        villages = await person.say("2")
        assert "which village" in texts(villages)
        await person.say("1")
        assert "Thank you" in texts(await person.say("1"))
        assert "Sorry, Thôn Số did not understand" in texts(await person.say("hello there"))


async def test_privacy_export_and_erase(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        summary = await person.say("/privacy")
        assert "Nguyễn Văn An" in texts(summary) and "Thôn Đoài" in texts(summary)
        exported = await person.say("1")
        document = exported[-1]
        assert document.kind == "document"
        data = json.loads(document.data)
        assert data["profile"]["name"] == "Nguyễn Văn An"
        await person.say("/privacy")
        await person.say("2")
        erased = await person.say("1")
        assert "Đã xóa dữ liệu cá nhân" in texts(erased)
        async with app.db.transaction() as s:
            user = await s.scalar(select(User).where(User.external_id == "citizen"))
            assert (user.display_name, user.commune_id, user.consent_at) == (None, None, None)
            # the conversation is erased too: saving the update's state did not bring it back
            kept = await s.scalars(select(Conversation).where(
                Conversation.user_external_id == "citizen"))
            assert list(kept) == []


async def test_citizen_admin_command_is_refused_and_audited(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        refused = await person.say("/grant admin console:citizen")
        assert "chỉ dành cho cán bộ" in texts(refused)
        async with app.db.transaction() as s:
            entries = list(await s.scalars(select(AuditEntry)))
            assert [(e.action, e.outcome, e.actor) for e in entries] == [
                ("/grant", "denied", "console:citizen")]
            user = await s.scalar(select(User).where(User.external_id == "citizen"))
            assert user.role == "citizen"


async def test_stale_and_forged_buttons(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        assert "Nút này đã cũ" in texts(await person.press(OnboardLanguage("vi").pack()))
        assert "Nút này đã cũ" in texts(await person.press("zz:whatever"))
        assert "Nút này đã cũ" in texts(await person.press("menu:nonsense"))


async def test_unbuilt_menu_entries_say_so_politely(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        shown = await person.press(OpenMenu(MenuEntry.SETTINGS).pack())
        assert shown[-1].choices[0] == "🌐 Ngôn ngữ"
        app.router.menu_actions.pop("filing", None)
        shown = await person.press(OpenMenu(MenuEntry.FILING).pack())
        assert "đang được hoàn thiện" in texts(shown)


async def test_duplicate_update_is_processed_once(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        incoming = person._incoming(command="start")
        await person.send(incoming)
        again = await person.send(incoming)
        assert again == []
        async with app.db.transaction() as s:
            assert await s.scalar(select(func.count()).select_from(User)) == 1


async def test_too_long_text_is_refused(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        shown = await person.say("a" * 4001)
        assert "Tin nhắn dài quá" in texts(shown)


async def test_flooding_user_is_told_every_time(database_url: str) -> None:
    async with console_app(database_url) as app:
        app.set_config(flood_limit=2)
        person = session(app)
        await onboard(person)  # /start counts; answering the onboarding's steps does not
        assert "Mời chọn" in texts(await person.say("/menu"))
        for _ in range(2):  # over the limit: refused, and told so each time
            flood = await person.say("/menu")
            assert "Tin nhắn đến nhanh quá" in texts(flood)
            assert "Mời chọn" not in texts(flood)
