"""The command line as an operator uses it, in a subprocess, on both databases."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMUNES_CSV = """commune_code,commune_name,district,province,village_name
25678,Xã Tân Hòa,Huyện Phú Bình,Tỉnh Thái Nguyên,Thôn Ao Sen
25678,Xã Tân Hòa,Huyện Phú Bình,Tỉnh Thái Nguyên,Thôn Đồng Tâm
25681,Xã Tân Kim,Huyện Phú Bình,Tỉnh Thái Nguyên,Xóm Phú Lợi
"""


def cli(database_url: str, *args: str, stdin: str | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120, cwd=cwd or ROOT,
                          check=False)


def test_help_on_each_command(database_url: str) -> None:
    for args in (["--help"], ["run", "--help"], ["console", "--help"], ["communes", "--help"],
                 ["communes", "import", "--help"], ["roles", "grant", "--help"],
                 ["webhook", "--help"], ["migrate", "--help"]):
        result = cli(database_url, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert "usage:" in result.stdout


def test_import_replaces_demo_and_roles_are_granted(database_url: str, tmp_path: Path) -> None:
    assert cli(database_url, "migrate").returncode == 0
    console = cli(database_url, "console", stdin="", cwd=tmp_path)
    assert console.returncode == 0
    assert "created the demo commune" in console.stderr
    assert "Xã Thôn Số (thử nghiệm)" in cli(database_url, "communes", "list").stdout

    csv_file = tmp_path / "communes.csv"
    csv_file.write_text(COMMUNES_CSV, encoding="utf-8")
    imported = cli(database_url, "communes", "import", str(csv_file))
    assert imported.returncode == 0, imported.stderr
    assert "Communes added: 2" in imported.stdout and "demo commune removed" in imported.stdout
    listing = cli(database_url, "communes", "list").stdout
    assert "Xã Tân Hòa" in listing and "Thôn Ao Sen, Thôn Đồng Tâm" in listing
    assert "thử nghiệm" not in listing

    granted = cli(database_url, "roles", "grant", "777", "--commune", "25678")
    assert granted.returncode == 0 and "official of Xã Tân Hòa" in granted.stdout
    assert cli(database_url, "roles", "grant", "888", "--admin").returncode == 0
    roles = cli(database_url, "roles", "list").stdout
    assert "telegram:777  official" in roles and "telegram:888  province_admin" in roles
    unknown = cli(database_url, "roles", "grant", "999", "--commune", "00001")
    assert unknown.returncode == 1 and "No commune with code" in unknown.stderr
    assert cli(database_url, "roles", "revoke", "777").returncode == 0
    assert "telegram:777" not in cli(database_url, "roles", "list").stdout


def test_bad_csv_is_reported_and_nothing_changes(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n1,x\n", encoding="utf-8")
    result = cli(database_url, "communes", "import", str(bad))
    assert result.returncode == 1
    assert "missing column(s): commune_code" in result.stderr


def test_console_walks_a_newcomer_to_the_menu(database_url: str, tmp_path: Path) -> None:
    result = cli(database_url, "console", stdin="1\n1\n1\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "1. Tiếng Việt" in out and "bạn ở thôn nào" in out
    assert "Cảm ơn bạn! Đã lưu thông tin." in out and "📝 Gửi phản ánh, kiến nghị" in out


def test_serving_loads_no_chart_pdf_or_audio_library() -> None:
    """matplotlib, reportlab and PyAV cost tens of MB: the server loads them on first use
    (a chart, a report, a bulletin), not because the command line knows those commands, nor
    each time the survey job looks whether the monthly report is due."""
    probe = ("import asyncio, datetime, sys, bot.cli, bot.commands, bot.app; bot.cli.parser(); "
             "from services.surveys.reporting import send_monthly_reports; "
             "mid_month = datetime.datetime(2026, 12, 15, 3, tzinfo=datetime.UTC); "
             "from unittest.mock import AsyncMock, MagicMock; "
             "no_days = AsyncMock(return_value=MagicMock(all=lambda: [])); "
             "session = MagicMock(execute=no_days); "  # a calendar without changed days
             "assert asyncio.run(send_monthly_reports(session, mid_month)) == 0; "
             "print(sorted({m.split('.')[0] for m in sys.modules} "
             "& {'matplotlib', 'reportlab', 'av', 'numpy'}))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_calendar_days_are_set_listed_and_cleared(database_url: str, tmp_path: Path) -> None:
    csv = tmp_path / "communes.csv"
    csv.write_text(COMMUNES_CSV, encoding="utf-8")
    assert cli(database_url, "communes", "import", str(csv)).returncode == 0
    made = cli(database_url, "calendar", "set", "2028-03-08", "--off", "--commune", "25678",
               "--note", "lễ hội làng")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "2028-03-08 is a day off for Xã Tân Hòa."
    assert cli(database_url, "calendar", "set", "2028-03-04", "--working").returncode == 0
    here = cli(database_url, "calendar", "list", "--commune", "25678").stdout
    national = cli(database_url, "calendar", "list").stdout.splitlines()
    assert here.split() == ["2028-03-08", "off", "lễ", "hội", "làng"]
    assert national[0].startswith("2025-04-26  working") and "2028-03-04  working" in national[2]
    assert cli(database_url, "calendar", "list", "--commune", "25681").stdout == ""
    cleared = cli(database_url, "calendar", "clear", "2028-03-08", "--commune", "25678")
    assert "follows the public calendar again for Xã Tân Hòa" in cleared.stdout
    unknown = cli(database_url, "calendar", "list", "--commune", "99999")
    assert unknown.returncode == 1 and "No commune with code '99999'" in unknown.stderr


def test_the_commune_office_profile_is_set_and_shown(database_url: str, tmp_path: Path) -> None:
    csv_file = tmp_path / "communes.csv"
    csv_file.write_text(COMMUNES_CSV, encoding="utf-8")
    assert cli(database_url, "communes", "import", str(csv_file)).returncode == 0
    changed = cli(database_url, "communes", "profile", "25678", "--hours",
                  "Sáng 7h30–11h30, chiều 13h30–17h", "--phone", "0203 3855 123",
                  "--desk", "Tầng 1, nhà A")
    assert changed.returncode == 0, changed.stderr
    assert "0203 3855 123" in changed.stdout and "Tầng 1, nhà A" in changed.stdout
    refused = cli(database_url, "communes", "profile", "25678", "--phone", "gọi tôi")
    assert refused.returncode == 1 and "office_phone" in refused.stderr
    shown = cli(database_url, "communes", "profile", "25678").stdout
    assert "0203 3855 123" in shown   # the refused change left the phone as it was
    assert cli(database_url, "communes", "profile", "99999").returncode == 1
