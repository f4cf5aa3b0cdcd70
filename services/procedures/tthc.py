"""Importer for records in the national procedure database's JSON format."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.procedures.procedure import CODE_PATTERN, Channel, Document, Fee, Procedure
from services.text import fold, nfc

_CHANNEL_BY_METHOD: dict[str, Channel] = {"DIRECT": "desk", "ONLINE": "online", "POSTAL": "post"}
_METHOD_ORDER = ("DIRECT", "ONLINE", "POSTAL")
_VND_NAMES = {"", "viet nam dong", "vnd", "dong"}
# Working days per unit, for units the database uses besides WORKING_DAY, DAY and OTHER.
_UNIT_DAYS = {"WORKING_DAY": 1.0, "HOUR": 1 / 8, "WORKING_HOUR": 1 / 8, "WEEK": 5.0, "MONTH": 22.0}
_DAYS_IN_TEXT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(ngày làm việc|ngày|giờ)", re.IGNORECASE)
_BULLET = re.compile(r"^[\s\-+*•–]+")
_SPACES = re.compile(r"\s+")
_STEPS_LIMIT = 320
_FREE_NOTE = "Không thu phí, lệ phí"


class RecordError(ValueError):
    """A record that cannot be turned into a procedure; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input item left out of an import, with where it came from and why."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Procedures read from a file or folder, and the items that were skipped."""

    procedures: tuple[Procedure, ...]
    skipped: tuple[Skipped, ...]


def parse_record(record: Any) -> Procedure:
    """Map one national-database record to a Procedure, or raise RecordError."""
    if not isinstance(record, Mapping):
        raise RecordError(
            f"record must be a JSON object, got {type(record).__name__} "
            "(bản ghi phải là một đối tượng JSON)"
        )
    code = _required_text(record, "code", "mã thủ tục")
    if not CODE_PATTERN.match(code):
        raise RecordError(f"malformed code {code!r} (mã thủ tục không đúng dạng, ví dụ 1.001193)")
    name = _required_text(record, "name", "tên thủ tục")
    methods = _objects(record, "executionMethods")
    try:
        return Procedure(
            code=code,
            name=_display_name(name),
            field=_field(record),
            applicants=_names(record, "subjectTypesDetails"),
            documents=_documents(record),
            fees=_fees(methods),
            processing_days=_processing_days(methods, _objects(record, "cases")),
            agency=_agency(record),
            legal_basis=_legal_basis(_objects(record, "legalBasisesDetails")),
            fully_online=_flag(record, "isFullProcess") and _has_online(methods),
            aliases=_unique(re.split(r"[,;\n]", _text(record.get("keywords")))),
            steps=_steps_summary(_objects(record, "executionSteps")),
            result="; ".join(_names(record, "resultsDetails")),
        )
    except RecordError:
        raise
    except ValueError as error:  # a value the model rejects, e.g. a negative quantity
        raise RecordError(f"{code}: {error}") from error


def load_path(path: str | Path, *, commune_only: bool = True) -> ImportResult:
    """Read a JSON file (one record or a list) or every *.json under a folder; bad items skipped."""
    root = Path(path)
    files = sorted(root.rglob("*.json")) if root.is_dir() else [root]
    procedures: list[Procedure] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for file in files:
        for source, record in _records(file, skipped):
            if commune_only and isinstance(record, Mapping) and record.get("isWard") is False:
                skipped.append(Skipped(source, "not a commune-level procedure (isWard=false)"))
                continue
            try:
                procedure = parse_record(record)
            except RecordError as error:
                skipped.append(Skipped(source, error.reason))
                continue
            if procedure.code in seen:
                skipped.append(Skipped(source, f"duplicate code {procedure.code} (trùng mã)"))
                continue
            seen.add(procedure.code)
            procedures.append(procedure)
    return ImportResult(tuple(procedures), tuple(skipped))


def _records(file: Path, skipped: list[Skipped]) -> Iterable[tuple[str, Any]]:
    try:
        payload = json.loads(file.read_bytes().decode("utf-8-sig"))
    except OSError as error:
        skipped.append(Skipped(str(file), f"cannot read file: {error.strerror or error}"))
        return []
    except UnicodeDecodeError:
        skipped.append(Skipped(str(file), "not UTF-8 text (legacy 8-bit encodings unsupported)"))
        return []
    except json.JSONDecodeError as error:
        skipped.append(Skipped(str(file), f"invalid JSON at line {error.lineno}: {error.msg}"))
        return []
    if isinstance(payload, list):
        return [(f"{file}[{index}]", item) for index, item in enumerate(payload)]
    return [(str(file), payload)]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"expected text, got {type(value).__name__} {value!r:.40}")
    return _SPACES.sub(" ", nfc(value)).strip()


def _required_text(record: Mapping[str, Any], key: str, label: str) -> str:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RecordError(f"missing {key} (thiếu {label})")
    if not isinstance(value, str):
        kind = type(value).__name__
        raise RecordError(f"{key} must be a string, got {kind} ({label} phải là chuỗi)")
    return _text(value)


def _objects(record: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"{key} must be a list, got {type(value).__name__}")
    if not all(isinstance(item, Mapping) for item in value):
        raise RecordError(f"{key} must contain only objects")
    return value


def _flag(record: Mapping[str, Any], key: str) -> bool:
    value = record.get(key, False)
    if not isinstance(value, bool):
        raise RecordError(f"{key} must be true or false, got {value!r:.40}")
    return value


def _number(value: Any, what: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"{what} must be a number, got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise RecordError(f"{what} must be a non-negative number, got {value!r}")
        return float(value)
    if isinstance(value, str) and re.fullmatch(r"\d+(?:[.,]\d+)?", value.strip()):
        return float(value.strip().replace(",", "."))
    raise RecordError(f"{what} must be a number, got {value!r:.40}")


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    result = []
    for raw in values:
        value = raw.strip()
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            result.append(value)
    return tuple(result)


def _names(record: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return _unique(_text(item.get("name")) for item in _objects(record, key))


def _display_name(name: str) -> str:
    name = re.sub(r"^thủ tục\s+", "", name, flags=re.IGNORECASE)
    return name[:1].upper() + name[1:]


def _field(record: Mapping[str, Any]) -> str:
    for item in _objects(record, "categoriesDetails"):
        if name := _text(item.get("name")):
            return name
    category = record.get("category")
    return _text(category.get("name")) if isinstance(category, Mapping) else ""


def _agency(record: Mapping[str, Any]) -> str:
    names = _names(record, "unitGroupsExecuting") + _names(record, "departmentsExecuting")
    agency = "; ".join(_unique(name.rstrip(".") for name in names))
    agency = agency or _text(record.get("executingAgencies")).rstrip(".")
    if not agency and record.get("isWard") is True:
        return "Ủy ban nhân dân cấp xã"
    return agency


def _legal_basis(items: list[Mapping[str, Any]]) -> tuple[str, ...]:
    labels = []
    for item in items:
        code, name = _text(item.get("code")), _text(item.get("name"))
        if code and name and fold(code) not in fold(name):
            labels.append(f"{code} – {name}")
        else:
            labels.append(name or code)
    return _unique(labels)


def _clean_document_name(name: str) -> str:
    return _BULLET.sub("", name).rstrip(" ;,.").strip()


def _is_conditional(name: str) -> bool:
    """Whether the paper is only needed in some cases, judged from its main clause."""
    folded = fold(name)
    if "(neu co)" in folded:
        return True
    clause = re.split(r"[.;]", re.sub(r"\([^)]*\)", "", folded), maxsplit=1)[0].strip()
    return clause.startswith(("truong hop", "neu ")) or "truong hop" in clause


def _documents(record: Mapping[str, Any]) -> tuple[Document, ...]:
    components = [
        component
        for case in _objects(record, "executionCases")
        for component in _objects(case, "profileComponents")
    ]
    components += _objects(record, "profileComponents")
    quantities = [
        (
            component,
            int(_number(component.get("originalQty"), "originalQty") or 0),
            int(_number(component.get("copyQty"), "copyQty") or 0),
        )
        for component in components
    ]
    counted = [item for item in quantities if item[1] or item[2]]
    if not counted:  # some records list papers without quantities: keep all but headings
        counted = [item for item in quantities if not _text(item[0].get("name")).endswith(":")]
    documents: list[Document] = []
    seen: set[str] = set()
    for component, original, copy in counted:
        name = _clean_document_name(_text(component.get("name")))
        if not name or fold(name) in seen:
            continue
        seen.add(fold(name))
        required = _flag(component, "required") or not _is_conditional(name)
        documents.append(Document(name, original, copy, required))
    return tuple(documents)


def _has_online(methods: list[Mapping[str, Any]]) -> bool:
    return any(str(method.get("submissionMethod", "")).upper() == "ONLINE" for method in methods)


def _vnd(amount: float) -> str:
    return f"{amount:,.0f}".replace(",", ".") + " đồng"


def _unwrap(text: str) -> str:
    return text[1:-1].strip() if text.startswith("(") and text.endswith(")") else text


def _fee(channel: Channel, fee: Mapping[str, Any], method_note: str) -> Fee:
    value = _number(fee.get("value"), "fee value")
    currency = _text(fee.get("currencyName"))
    description = _unwrap(_text(fee.get("description")))
    unit = description if description.startswith("/") else ""
    is_vnd = fold(currency) in _VND_NAMES
    if value is None:
        amount, note = None, description or "Mức thu chưa được công bố"
    elif not is_vnd:
        amount, note = None, f"{value:g} {currency}{unit}" + ("" if unit else f" {description}")
    elif value > 0:
        amount, note = int(value), (f"{_vnd(value)}{unit}" if unit else description)
    elif "hoi dong nhan dan" in fold(description) and not fold(description).startswith("mien"):
        amount, note = None, description
    else:
        amount, note = 0, description
    if method_note and re.search(r"phí|đồng|USD", method_note) and method_note not in note:
        note = method_note if note in method_note else f"{note.rstrip('.')}. {method_note}"
    return Fee(channel, amount, note.strip())


def _fees(methods: list[Mapping[str, Any]]) -> tuple[Fee, ...]:
    fees: list[Fee] = []
    for method in methods:
        channel = _CHANNEL_BY_METHOD.get(str(method.get("submissionMethod", "")).upper())
        if channel is None:
            continue
        method_note = _text(method.get("description"))
        raw = _objects(method, "fees")
        fees += [_fee(channel, fee, method_note) for fee in raw] or [Fee(channel, 0, _FREE_NOTE)]
    order = {channel: index for index, channel in enumerate(_CHANNEL_BY_METHOD.values())}
    unique = list(dict.fromkeys(fees))
    return tuple(sorted(unique, key=lambda fee: order[fee.channel]))


def _calendar_to_working(days: float) -> float:
    return float(max(1, round(days * 5 / 7))) if days else 0.0


def _days_from_text(text: str) -> float | None:
    match = _DAYS_IN_TEXT.search(text)
    if not match:
        return None
    amount = float(match.group(1).replace(",", "."))
    unit = match.group(2).lower()
    if unit == "ngày làm việc":
        return amount
    return _calendar_to_working(amount) if unit == "ngày" else amount / 8


# Where a processing time comes from, most trusted first.
_STATED, _STATED_IN_TEXT, _PER_CASE, _STATED_CALENDAR, _PER_CASE_CALENDAR, _SAME_DAY = range(6)


def _processing_days(
    methods: list[Mapping[str, Any]], cases: list[Mapping[str, Any]]
) -> float | None:
    """Working days: the time stated for the desk (then online, post) channel; else the shortest
    per-case time; calendar days count 5 working days a week; 0 means "within the day"."""
    candidates: list[tuple[int, float]] = []
    ordered = sorted(
        methods,
        key=lambda m: _METHOD_ORDER.index(m["submissionMethod"])
        if m.get("submissionMethod") in _METHOD_ORDER
        else len(_METHOD_ORDER),
    )
    for method in ordered:
        raw, unit = method.get("processingTime"), str(method.get("processingTimeUnit", "")).upper()
        description = _text(method.get("description"))
        if isinstance(raw, str) and not re.fullmatch(r"\s*\d+(?:[.,]\d+)?\s*", raw):
            days = _days_from_text(_text(raw)) or _days_from_text(description)
            if days is not None:
                candidates.append((_STATED_IN_TEXT, days))
            continue
        amount = _number(raw, "processingTime")
        if amount == 0:
            candidates.append((_SAME_DAY, 0.0))
        elif amount and unit == "DAY":
            candidates.append((_STATED_CALENDAR, _calendar_to_working(amount)))
        elif amount and unit in _UNIT_DAYS:
            candidates.append((_STATED, amount * _UNIT_DAYS[unit]))
        elif amount:  # unit OTHER: the description may say more, else working days
            candidates.append((_STATED, _days_from_text(description) or amount))
    for case in cases:
        due = case.get("processingDay")
        if not isinstance(due, Mapping):
            continue
        amount = _number(due.get("qty"), "processingDay.qty")
        unit = str(due.get("type", "")).upper()
        if amount and unit == "DAY":
            candidates.append((_PER_CASE_CALENDAR, _calendar_to_working(amount)))
        elif amount:
            candidates.append((_PER_CASE, amount * _UNIT_DAYS.get(unit, 1.0)))
    if not candidates:
        return None
    best = min(source for source, _ in candidates)
    found = [days for source, days in candidates if source == best]
    return found[0] if best in (_STATED, _STATED_IN_TEXT) else min(found)


def _steps_summary(steps: list[Mapping[str, Any]]) -> str:
    lines: list[str] = []
    for step in steps:
        for raw in f"{step.get('name') or ''}\n{step.get('description') or ''}".splitlines():
            line = _BULLET.sub("", _text(raw))
            if line and not line.endswith(":"):
                lines.append(line)
    summary = " ".join(lines)
    if len(summary) <= _STEPS_LIMIT:
        return summary
    cut = summary[:_STEPS_LIMIT].rsplit(" ", 1)[0].rstrip(" ,;:")
    return f"{cut}…"
