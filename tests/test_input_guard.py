"""What enters the system: NUL characters, numbers typed in other scripts or too large, and
an official whose commune is removed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from locales import Translator
from services.models import User
from services.text import at_the_door, whole_number
from services.users import Users, is_official
from tests.helpers import console_app, session, texts


@pytest.mark.parametrize(("typed", "number"), [
    ("12", 12), (" 7 ", 7), ("0001", 1), ("2147483647", 2**31 - 1),
    ("2147483648", None), ("99999999999", None), ("²", None), ("١٢", None), ("-3", None),
    ("1e3", None), ("", None), ("12a", None),
])
def test_whole_numbers_are_ascii_and_fit_a_database_integer(typed: str,
                                                            number: int | None) -> None:
    assert whole_number(typed) == number


def test_nul_is_dropped_and_text_composed() -> None:
    assert at_the_door("Tho\u0302n\x00 \u0110o\u00e0i") == "Thôn Đoài"


async def test_a_nul_character_is_stripped_at_the_door(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app, name="Lê\x00 Thị Hoa")
        shown = await person.say("/start\x00")
        assert "Mời bạn chọn ngôn ngữ" in texts(shown)
        shown = await person.say("1\x00")
        assert "bạn ở thôn nào" in texts(shown)
        shown = await person.say("Thôn\x00 Đoài")
        assert "Nghị định 13/2023/NĐ-CP" in texts(shown)


async def test_an_official_of_a_removed_commune_loses_the_role(database_url: str) -> None:
    async with console_app(database_url) as app:
        async with app.db.transaction() as s:
            users = Users(s)
            official = await users.create("console", "officer")
            demo = (await app_communes(s))[0]
            await users.grant_official(official, demo.id)
        officer = session(app, user_id="officer", name="Cán bộ")
        refusal = Translator("vi")("errors.not_allowed")
        assert refusal not in texts(await officer.say("/inbox"))
        async with app.db.transaction() as s:
            from services.communes import Communes
            await Communes(s).import_csv(
                "commune_code,commune_name,district,province,village_name\n"
                "00001,Xã Mới,,Tỉnh Mẫu,Thôn Một\n")
        async with app.db.transaction() as s:
            user = await s.scalar(select(User).where(User.external_id == "officer"))
            assert user is not None and not is_official(user)
            assert user.official_commune_id is None
        refused = await officer.say("/inbox")
        assert refusal in texts(refused)


async def app_communes(s):  # type: ignore[no-untyped-def]
    from services.communes import Communes
    return await Communes(s).all()


async def test_the_commune_office_profile_is_checked_and_kept(database_url: str) -> None:
    from services.communes import ProfileError, set_profile

    async with console_app(database_url) as app:
        async with app.db.transaction() as s:
            commune = (await app_communes(s))[0]
            set_profile(commune, office_address="Tho\u0302n Đông, xã Mẫu",
                        office_hours="Sáng 7h30–11h30, chiều 13h30–17h (thứ Hai–thứ Sáu)",
                        office_phone="0203 3855 123", desk_location="Tầng 1, nhà A")
            with pytest.raises(ProfileError, match="office_phone"):
                set_profile(commune, office_address="Nơi khác", office_phone="gọi tôi")
            with pytest.raises(ProfileError, match="not a profile field"):
                set_profile(commune, name="Xã khác")
        async with app.db.transaction() as s:
            commune = (await app_communes(s))[0]
            assert commune.office_address == "Thôn Đông, xã Mẫu"   # composed, kept
            assert commune.office_phone == "0203 3855 123"
            set_profile(commune, desk_location="")
            assert commune.desk_location is None


async def test_numbers_out_of_range_or_in_other_scripts_get_a_polite_answer(
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """`/notice 99999999999` once overflowed an INTEGER column and "²" passed `isdigit()`
    and failed `int()`: both ended in a traceback and the apology."""
    async with console_app(database_url) as app:
        async with app.db.transaction() as s:
            users = Users(s)
            official = await users.create("console", "officer")
            await users.grant_official(official, (await app_communes(s))[0].id)
        officer = session(app, user_id="officer", name="Cán bộ")
        apology = Translator("vi")("errors.internal")
        for line in ("/notice 99999999999", "/notice ²", "/cancel_notice ١٢",
                     "/stats 99999999999", "/survey 99999999999"):
            shown = texts(await officer.say(line))
            assert shown and apology not in shown, line
        person = session(app)
        await person.say("/start")
        for typed in ("²", "99999999999", "٣"):
            shown = texts(await person.say(typed))   # at a numbered choice on the console
            assert shown and apology not in shown, typed
        assert not [r for r in caplog.records if r.levelname == "ERROR"]
