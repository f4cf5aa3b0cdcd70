"""Folded phrases that tell what a message is about (besides the procedure catalogue and the
referral topics, which carry their own words)."""

from __future__ import annotations

# Words of a problem in the village, by feedback category. A phrase is folded syllables.
CATEGORY_PHRASES: dict[str, tuple[str, ...]] = {
    "lighting": (
        "den duong", "bong den", "den chieu sang", "den cao ap", "cot den", "den tin hieu",
        "den giao thong", "mat dien", "cup dien", "chap dien", "day dien", "dien dom",
        "den ngo", "den dien", "den thon", "den xom", "den cong cong", "tram bien ap",
        "cot dien", "den khong sang", "den tat", "den chap chon",
    ),
    "roads": (
        "o ga", "o voi", "sut lun", "lun sut", "sat lo", "lo dat", "duong hong", "duong xau",
        "duong nut", "nut duong", "mat duong", "duong vo", "duong lay", "duong tron",
        "duong be tong", "be tong vo", "cau hong", "cau yeu", "cau go", "cau treo", "cau khi",
        "duong lang", "duong lien thon", "duong thon", "duong xom", "duong ngo", "hu hong",
        "cat soi", "duong bi", "duong dat", "xe tai cho", "chan duong",
        "bien bao", "ga giam toc", "go giam toc", "duong trau", "o trau", "doan duong", "vo nat",
        "vung bun", "quoc lo", "tinh lo",
    ),
    "waste": (
        "rac", "bai rac", "xe rac", "thu gom rac", "vut rac", "do rac", "dot rac", "rac thai",
        "xac dong vat", "xac chuot", "xac lon", "lon chet", "ga chet", "mui hoi", "boc mui",
        "hoi thoi", "o nhiem", "ruoi", "chuong trai", "chuong lon", "phan lon", "nuoc thai",
        "khoi bui", "bui", "khoi",
    ),
    "security": (
        "trom", "an trom", "mat trom", "ke trom", "danh nhau", "danh lon", "gay roi",
        "gay mat trat tu", "mat trat tu", "on ao", "karaoke", "loa keo", "hat ho", "nhau say",
        "say xin", "ma tuy", "nghien", "co bac", "danh bac", "lo de", "cuop", "giat",
        "lua dao", "dua xe", "boc dau", "chay qua toc do", "dot nhap", "de doa", "khung bo",
        "hanh hung", "bao luc", "danh vo", "danh con", "trai phep vu khi", "no sung", "tre trau",
        "thanh nien tu tap", "tu tap",
    ),
    "land": (
        "lan chiem dat cong", "lan chiem", "lan duong", "lan hanh lang", "lan via he",
        "chiem dat cong", "xay trai phep", "xay dung trai phep", "xay lan", "do dat trai phep",
        "do dat lap", "khai thac cat", "hut cat", "khai thac dat", "dat cong", "xay tuong lan",
        "rao lan", "lan ra duong", "san lap trai phep", "chat cay rung", "pha rung",
    ),
    "water": (
        "nuoc sach", "mat nuoc", "cup nuoc", "nuoc ban", "nuoc duc", "nuoc yeu", "ong nuoc",
        "vo ong", "ro ri nuoc", "ngap", "ngap ung", "ngap nuoc", "ngap lut", "kenh muong",
        "muong", "muong nuoc", "thuy loi", "tac cong", "cong ranh", "ranh nuoc", "cong thoat",
        "thoat nuoc", "nuoc tran", "nuoc may", "gieng", "ao tu", "nuoc song", "lu", "tran",
        "nuoc co mui", "nuoc vang",
    ),
    "admin": (
        "thai do", "cham tre", "giai quyet cham", "nhung nhieu", "hach dich",
        "phien ha", "doi tien", "hoi lo", "tham nhung", "khong tra loi", "bi tre hen",
        "tre hen", "hen lan hen lua", "khong ai nghe may", "bat di lai",
        "thu tien sai", "thu sai", "lam kho", "khong giai quyet", "chua giai quyet",
        "van chua giai quyet", "chua duoc giai quyet",
    ),
    "other": (
        "cay do", "cay canh", "cay gay", "cay nga", "canh cay", "cho can", "cho dai",
        "cho tha rong",
        "chay", "hoa hoan", "chay nha", "chay rung", "trau bo tha rong", "bo tha rong",
        "ran", "ong vo ve", "sau benh", "dich benh", "dich ta", "sot xuat huyet", "muoi",
        "loa phat thanh", "loa xa", "loa thon", "song dien thoai", "mat song",
    ),
}

# Words that mark a report whatever its subject: a complaint, a failure, a danger, a request.
PROBLEM_WORDS: frozenset[str] = frozenset({
    "hong", "vo", "tac", "ngap", "sap", "gay", "do", "nut", "lun", "sut", "chay", "nguy",
    "hiem", "o", "nhiem", "hoi", "thoi", "on", "trom", "tham", "phan", "anh", "kien",
    "nghi", "to", "cao", "khieu", "nai", "sua", "chua", "xu", "ly", "khac", "phuc",
    "lau", "mai", "chang", "tuan", "thang", "toi", "thui", "dong", "nghet", "ban", "bay",
    "roi", "tat", "mat", "cup", "yeu", "xuong", "cap", "lo", "lay", "bun", "tran",
})
REPORT_PHRASES: tuple[str, ...] = (
    "phan anh", "kien nghi", "to cao", "khieu nai", "bao cao", "de nghi", "nho xa",
    "xin xa", "mong xa", "yeu cau xa", "xa xem", "xa xu ly", "xa cho nguoi", "bi hong",
    "hong roi", "khong sang", "khong ai sua", "chua sua", "chua ai", "nguy hiem", "bi vo",
    "bi tac", "bi ngap", "bi do", "bi gay", "bi mat", "lau roi", "may hom", "may ngay nay",
    "ca thang", "ca tuan", "suot", "het chiu", "khong chiu noi", "bi sap",
)

# The commune office: words that name it, and the four things asked about it.
OFFICE_WORDS: tuple[str, ...] = (
    "uy ban", "ubnd", "ubx", "xa", "tru so", "van phong", "mot cua", "bo phan mot cua",
    "trung tam phuc vu", "hanh chinh cong", "cong an xa", "can bo",
)
# When a message names several, the first of these is what it asks ("the desk's phone").
OFFICE_TOPIC_ORDER: tuple[str, ...] = ("phone", "hours", "desk", "address")
OFFICE_TOPIC_PHRASES: dict[str, tuple[str, ...]] = {
    "hours": (
        "gio lam viec", "gio hanh chinh", "lam viec may gio", "may gio", "gio nao", "mo cua",
        "dong cua", "lam viec thu bay", "thu bay", "chu nhat", "co lam viec", "lam viec khong",
        "lich lam viec", "nghi trua", "buoi sang", "buoi chieu", "may gio mo", "gio tiep dan",
        "lich tiep dan", "ngay nao lam viec", "sang may gio", "chieu may gio", "nghi le",
        "lam viec den", "lam viec tu", "con lam viec", "co mo",
    ),
    "phone": (
        "so dien thoai", "dien thoai", "sdt", "so dt", "dt", "hotline", "duong day nong",
        "so may", "goi dien", "goi cho", "so lien he", "lien he", "so zalo", "zalo",
        "alo cho xa",
    ),
    "address": (
        "dia chi", "o dau", "cho nao", "duong nao", "cho o", "tru so", "nam o", "nam dau",
        "di the nao", "duong di", "dinh vi", "ban do", "vi tri", "toa lac", "o thon nao", "dat o",
        "o xa nao",
    ),
    "desk": (
        "mot cua", "bo phan mot cua", "bo phan tiep nhan", "tiep nhan ho so", "nop ho so",
        "quay", "phong nao", "phong tiep dan", "trung tam phuc vu", "hanh chinh cong",
        "nop giay to", "tra ket qua", "nhan ket qua",
    ),
}

# A message made only of these is a greeting or a thank-you.
GREETING_WORDS: frozenset[str] = frozenset([
    "xin", "chao", "chau", "ban", "em", "anh", "chi", "a", "ad", "admin", "oi",
    "alo", "hello", "hi", "helo", "thon", "so", "bot", "nhe", "nha", "cam", "on", "nhieu", "thank",
    "thanks", "tks", "you", "ok", "oke", "okie", "vang", "da", "duoc", "roi", "biet", "hieu",
    "buoi", "sang", "chieu", "toi", "tot", "lanh", "chuc", "ngay", "moi", "nguoi", "ca", "co",
    "bac", "ong", "ba", "con", "chu", "di", "dung", "ak", "ah", "uh", "u", "um", "vay", "the",
    "hay", "qua", "lam", "ne", "minh", "tui", "cac", "thong", "tin", "huu", "ich", "rat", "vui",
    "gap", "khoe", "khong", "ko", "day", "hen", "lai", "bye", "tam", "xa", "can", "bo", "ty",
    "hihi", "haha", "hehe", "dc", "oki", "good", "morning", "yes", "no",
])
# A greeting needs at least one of these (else "anh chi" is just names).
GREETING_CORE: frozenset[str] = frozenset({
    "chao", "alo", "hello", "hi", "helo", "cam", "thank", "thanks", "tks", "ok", "oke", "okie",
    "vang", "bye", "hihi", "haha", "hehe", "oki", "good", "yes", "biet", "hieu", "chuc", "khoe",
    "da", "dc", "duoc",
})

# Shorthand expanded before matching (on top of the procedure search's own).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "sdt": ("so", "dien", "thoai"),
    "sđt": ("so", "dien", "thoai"),
    "dthoai": ("dien", "thoai"),
    "bhyt": ("bao", "hiem", "y", "te"),
    "bhxh": ("bao", "hiem", "xa", "hoi"),
    "gpxd": ("giay", "phep", "xay", "dung"),
    "lltp": ("ly", "lich", "tu", "phap"),
    "ubx": ("uy", "ban"),
    "ubnd": ("uy", "ban"),
    "ub": ("uy", "ban"),
    "cccd": ("can", "cuoc"),
    "cmnd": ("chung", "minh", "nhan", "dan"),
    "cmt": ("chung", "minh", "thu"),
    "ko": ("khong",),
    "k": ("khong",),
    "kg": ("khong",),
    "hok": ("khong",),
    "hong": ("hong",),
    "dc": ("duoc",),
    "đc": ("duoc",),
    "j": ("gi",),
    "z": ("vay",),
    "ntn": ("nhu", "the", "nao"),
    "bn": ("bao", "nhieu"),
    "tk": ("tai", "khoan"),
    "xe may": ("xe", "may"),
    "oto": ("o", "to"),
    "otô": ("o", "to"),
}
