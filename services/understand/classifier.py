"""Classifying a citizen's free text: rules over folded phrases, plus the procedure search.

The order of the checks is the design: a procedure's code typed as it is opens its card; a
greeting is only greeting words; a matter handled elsewhere is named by a few unmistakable
words ("hộ chiếu", "sổ đỏ"); the commune office is asked about with its own words ("giờ làm
việc", "số điện thoại"); a problem names a thing and what is wrong with it; a procedure is
whatever the catalogue's search is sure about.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.procedures.lexicon import ABBREVIATIONS as SEARCH_ABBREVIATIONS
from services.procedures.search import Match, ProcedureIndex, is_confident
from services.text import words

from .lexicon import (
    ABBREVIATIONS,
    CATEGORY_PHRASES,
    GREETING_CORE,
    GREETING_WORDS,
    OFFICE_TOPIC_ORDER,
    OFFICE_TOPIC_PHRASES,
    OFFICE_WORDS,
    PROBLEM_WORDS,
    REPORT_PHRASES,
)
from .referrals import Referral, referrals

MAX_WORDS = 80  # a long rambling message is read up to here
# A referral named in this many words, or a problem in this many, outweighs a sure procedure
# ("sang tên xe" is not "sang tên sổ đỏ"; "lấn chiếm đất công" is no neighbours' dispute).
_PLAIN_REFERRAL = 3
_PLAIN_PROBLEM = 3
_TELEX = ((r"dd", "d"), (r"a[aw]", "a"), (r"ee", "e"), (r"o[ow]", "o"), (r"uw", "u"),
          (r"w", "u"))


class Intent(StrEnum):
    PROCEDURE = "procedure"
    FEEDBACK = "feedback"
    OFFICE_INFO = "office_info"
    REFERRAL = "referral"
    GREETING = "greeting"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Understanding:
    """What a message is about; `code`, `category` and `topic` only where they apply."""

    intent: Intent
    code: str | None = None
    category: str | None = None
    topic: str | None = None
    matches: tuple[Match, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"intent": str(self.intent), "code": self.code, "category": self.category,
                "topic": self.topic}


class _Phrases:
    """Folded phrases with a label each; finds the labels a text mentions, longest first."""

    def __init__(self, labelled: Iterable[tuple[str, str]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, label in labelled:
            parts = tuple(phrase.split())
            self._by_first.setdefault(parts[0], []).append((parts, label))
        for entries in self._by_first.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    @property
    def words(self) -> set[str]:
        return {word for entries in self._by_first.values()
                for parts, _ in entries for word in parts}

    def find(self, tokens: list[str]) -> list[tuple[str, int]]:
        """(label, phrase length) for every phrase found."""
        found: list[tuple[str, int]] = []
        for start, token in enumerate(tokens):
            for parts, label in self._by_first.get(token, ()):
                if tuple(tokens[start:start + len(parts)]) == parts:
                    found.append((label, len(parts)))
        return found


def _first(order: Iterable[str], found: list[tuple[str, int]]) -> str | None:
    """The first label in `order` that was found."""
    labels = {label for label, _ in found}
    return next((label for label in order if label in labels), None)


def _best(found: list[tuple[str, int]]) -> str | None:
    """The label with the most phrase words (the longest phrase breaks a tie)."""
    if not found:
        return None
    totals: dict[str, tuple[int, int]] = {}
    for label, size in found:
        total, longest = totals.get(label, (0, 0))
        totals[label] = (total + size, max(longest, size))
    return max(totals, key=lambda label: totals[label])


class Classifier:
    """Build once over the procedure index and the referral topics; `classify` is pure."""

    def __init__(self, index: ProcedureIndex, referrals: Mapping[str, Referral]) -> None:
        self._index = index
        self._referrals = _Phrases(
            (alias, topic) for topic, referral in referrals.items() for alias in referral.aliases)
        self._categories = _Phrases(
            (phrase, code) for code, phrases in CATEGORY_PHRASES.items() for phrase in phrases)
        self._office_topics = _Phrases(
            (phrase, topic) for topic, phrases in OFFICE_TOPIC_PHRASES.items()
            for phrase in phrases)
        self._office = _Phrases((phrase, "office") for phrase in OFFICE_WORDS)
        self._reports = _Phrases((phrase, "report") for phrase in REPORT_PHRASES)
        self._known = (self._referrals.words | self._categories.words
                       | self._office_topics.words | self._office.words | self._reports.words
                       | GREETING_WORDS)

    def classify(self, text: str) -> Understanding:
        typed = self._index.typed_code(text)
        if typed is not None:
            return Understanding(Intent.PROCEDURE, code=typed.code, matches=(typed,))
        tokens = self.tokens(text)
        if not tokens:
            return Understanding(Intent.UNKNOWN)
        if set(tokens) <= GREETING_WORDS and set(tokens) & GREETING_CORE:
            return Understanding(Intent.GREETING)
        joined = " ".join(tokens)
        matches = tuple(self._index.search(joined))
        spelled = self._spells_out(joined, matches)
        found_categories = self._categories.find(tokens)
        category = _best(found_categories)
        reported = bool(self._reports.find(tokens))
        named = self._referrals.find(tokens)
        topic = _best(named)
        plain = max((size for _, size in named), default=0) >= _PLAIN_REFERRAL
        if topic is not None and not (category and reported) and (
                plain or not spelled):
            return Understanding(Intent.REFERRAL, topic=topic)
        office = _first(OFFICE_TOPIC_ORDER, self._office_topics.find(tokens))
        procedure_named = is_confident(matches) or spelled
        if office is not None and not procedure_named and category is None \
                and self._about_office(tokens, office):
            return Understanding(Intent.OFFICE_INFO, topic=office)
        strong = max((size for _, size in found_categories), default=0) >= _PLAIN_PROBLEM
        if category is not None and (reported or strong or not is_confident(matches)
                                     or self._troubled(tokens)):
            return Understanding(Intent.FEEDBACK, category=category)
        if matches:
            return Understanding(Intent.PROCEDURE, code=matches[0].code, matches=matches)
        if reported:
            return Understanding(Intent.FEEDBACK, category="other")
        return Understanding(Intent.UNKNOWN)

    def tokens(self, text: str) -> list[str]:
        """Folded syllables, shorthand expanded and Telex leftovers repaired."""
        tokens: list[str] = []
        for word in words(text)[:MAX_WORDS]:
            expanded = ABBREVIATIONS.get(word) or SEARCH_ABBREVIATIONS.get(word)
            tokens.extend(expanded if expanded else (self._repair(word),))
        return tokens

    def _repair(self, word: str) -> str:
        if word in self._known or self._index.knows(word):
            return word
        telex = word
        for pattern, replacement in _TELEX:
            telex = re.sub(pattern, replacement, telex)
        for candidate in (telex, telex.rstrip("sfrxj")):
            if candidate and (candidate in self._known or self._index.knows(candidate)):
                return candidate
        return word

    def _spells_out(self, text: str, matches: tuple[Match, ...]) -> bool:
        """Whether the message spells out the procedure it matches, whatever else it names:
        "sao y bằng cấp với căn cước" is about certified copies, while "sổ đỏ bị mất" is not
        about the contracts that merely share the words "sổ đỏ"."""
        return bool(matches) and matches[0].code in self._index.named(text)

    def _about_office(self, tokens: list[str], topic: str) -> bool:
        """Whether the office words are about the commune office (not "where is the pothole")."""
        if self._office.find(tokens):
            return True
        return topic in ("hours", "phone", "desk") and len(tokens) <= 8

    @staticmethod
    def _troubled(tokens: list[str]) -> bool:
        return sum(token in PROBLEM_WORDS for token in tokens) >= 2


_classifiers: weakref.WeakKeyDictionary[ProcedureIndex, Classifier] = (
    weakref.WeakKeyDictionary())


def classifier_for(index: ProcedureIndex) -> Classifier:
    """The classifier over a procedure index, built once per index (the store caches those)."""
    found = _classifiers.get(index)
    if found is None:
        found = _classifiers[index] = Classifier(index, referrals())
    return found
