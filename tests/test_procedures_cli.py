"""`python -m bot procedures …` and `python -m bot qr …` as separate processes, run from a
folder other than the project's (the catalogue and fonts are package data)."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import zxingcpp
from PIL import Image


def cli(database_url: str, cwd: Path, *args: str, stdin: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("TELEGRAM_", "WEBHOOK_", "QR_BOT", "ZALO_"))}
    environment.update(DATABASE_URL=database_url, LOG_LEVEL="WARNING", **(env or {}))
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          env=environment, check=False)


async def test_search_prints_ranked_json(database_url: str, tmp_path: Path) -> None:
    done = cli(database_url, tmp_path, "procedures", "search", "dang ky ket hon", "--json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert [set(item) for item in found] == [{"code", "name", "score"}] * len(found)
    assert 1 <= len(found) <= 3
    assert found[0]["code"] == "1.000894" and found[0]["name"] == "Đăng ký kết hôn"
    scores = [item["score"] for item in found]
    assert scores == sorted(scores, reverse=True)

    nothing = cli(database_url, tmp_path, "procedures", "search", "thời tiết hôm nay", "--json")
    assert json.loads(nothing.stdout) == []

    readable = cli(database_url, tmp_path, "procedures", "search", "giấy chứng tử")
    assert "1.000656" in readable.stdout and "Đăng ký khai tử" in readable.stdout


async def test_search_reads_questions_from_stdin_as_json_lines(database_url: str,
                                                                tmp_path: Path) -> None:
    questions = ["đăng ký tạm trú", "", "xyz qwe", "§¨ng ký kÕt h«n", "chung thuc ban sao"]
    done = cli(database_url, tmp_path, "procedures", "search", "-", "--json",
               stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(questions)
    answers = [json.loads(line) for line in lines]
    assert answers[0][0]["code"] == "1.004194"
    assert answers[1] == [] and answers[2] == []
    assert answers[3][0]["code"] == "1.000894"     # old TCVN3 encoding repaired
    assert answers[4][0]["code"] == "2.000815"


async def test_import_reports_and_list_shows(database_url: str, tmp_path: Path,
                                             shared: Path) -> None:
    folder = shared / "data" / "tthc"
    done = cli(database_url, tmp_path, "procedures", "import", str(folder))
    assert done.returncode == 0, done.stderr
    assert "changed    1.001193     Đăng ký khai sinh (" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].endswith("skipped: 0")
    again = cli(database_url, tmp_path, "procedures", "import", str(folder))
    assert "Added: 0, changed: 0, unchanged: 37, skipped: 0" in again.stdout

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"code": "abc", "name": "x"}, {"code": "1.999999"}]), "utf-8")
    refused = cli(database_url, tmp_path, "procedures", "import", str(bad))
    assert refused.returncode == 1
    assert "skipped    " in refused.stdout and "malformed code 'abc'" in refused.stdout
    assert "missing name" in refused.stdout
    missing = cli(database_url, tmp_path, "procedures", "import", "nowhere.json")
    assert missing.returncode == 1 and "no such file" in missing.stderr

    listed = cli(database_url, tmp_path, "procedures", "list")
    assert "1.001193" in listed.stdout and "Đăng ký khai sinh" in listed.stdout


async def test_commune_desk_is_set_from_the_cli(database_url: str, tmp_path: Path) -> None:
    done = cli(database_url, tmp_path, "procedures", "desk", "00000",
               "--address", "Trụ sở UBND xã", "--hours", "7h30–17h00")
    assert done.returncode == 1   # no commune yet: the demo one is made by the bot
    cli(database_url, tmp_path, "communes", "import", str(write_communes(tmp_path)))
    done = cli(database_url, tmp_path, "procedures", "desk", "12345",
               "--address", "Trụ sở UBND xã", "--hours", "7h30–17h00")
    assert done.returncode == 0, done.stderr
    shown = cli(database_url, tmp_path, "procedures", "desk", "12345")
    assert "address: Trụ sở UBND xã" in shown.stdout and "hours:   7h30–17h00" in shown.stdout


def write_communes(folder: Path) -> Path:
    path = folder / "communes.csv"
    path.write_text("commune_code,commune_name,district,province,village_name\n"
                    "12345,Xã Tân Hòa,Huyện Mẫu,Tỉnh Mẫu,Thôn Đông\n", "utf-8")
    return path


def test_qr_sheet_and_posters(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'qr.db'}"
    cli(url, tmp_path, "communes", "import", str(write_communes(tmp_path)))
    sheet = cli(url, tmp_path, "qr", "--commune", "12345", "--out", "out/sheet.pdf",
                "--bot", "xa_tan_hoa_bot")
    assert sheet.returncode == 0, sheet.stderr
    pdf = (tmp_path / "out" / "sheet.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and "A4 pages" in sheet.stdout
    assert "sheet [" in sheet.stderr

    posters = cli(url, tmp_path, "qr", "--all", "--out", "posters",
                  env={"QR_BOT_USERNAME": "xa_tan_hoa_bot"})
    assert posters.returncode == 0, posters.stderr
    files = sorted((tmp_path / "posters").glob("qr_*.png"))
    assert len(files) >= 40
    assert f"posters [{'#' * 30}] {len(files)}/{len(files)}" in posters.stderr
    png = (tmp_path / "posters" / "qr_1.001193.png").read_bytes()
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert barcode.text == "https://t.me/xa_tan_hoa_bot?start=p_1_001193"
    assert not zipfile.is_zipfile(io.BytesIO(png))
