"""Matching citizens' questions to procedures: diacritic-insensitive BM25 over syllables.

A match's score is the share of the question the procedure explains (whole aliases and syllable
pairs fully, lone syllables half), damped when the evidence is thin and scaled by the match's
BM25 rank relative to the best candidate.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from services.procedures.procedure import Procedure
from services.text import words

from .lexicon import (
    ABBREVIATIONS,
    CONFUSABLE_CODAS,
    CONFUSABLE_ONSETS,
    FILLER_PHRASES,
    STOP_WORDS,
)

MIN_SCORE = 0.35  # candidates below this are not returned at all
CONFIDENT_SCORE = 0.6  # a best match at least this good…
CONFIDENT_MARGIN = 0.15  # …and this far ahead of the runner-up is a sure answer

# Field weights in the index; aliases are what citizens actually say. Only aliases and the name
# count as phrase evidence: documents and result texts repeat boilerplate across procedures.
_FIELD_WEIGHTS = {
    "alias": 3.0,
    "name": 2.0,
    "result": 0.5,
    "field": 0.5,
    "applicants": 0.3,
    "documents": 0.3,
}
_PHRASE_FIELDS = frozenset({"alias", "name"})
_K1, _B = 1.2, 0.3
_WEAK_FREQUENCY = 0.25  # a word seen only outside phrase fields counts as a quarter occurrence
_MAX_TOKENS = 48
_FUZZY = 0.8  # evidence weight of a corrected misspelling
_UNKNOWN_MASS = 0.8  # weight of a word the catalogue does not use ("tháng", "phạt"…)
_NUMBER_MASS = 0.2
_LONE_TYPO = 5  # shortest misspelt word corrected without a neighbour to confirm it
_CONTEXT = 0.5  # weight kept by a word that forms no known phrase when others do
_UNIGRAM_CREDIT = 0.5  # a word matched outside any phrase explains half of its weight
_EVIDENCE_SCALE = 3.0  # evidence (idf units) at which confidence reaches 63% of coverage
_TELEX = ((r"dd", "d"), (r"a[aw]", "a"), (r"ee", "e"), (r"o[ow]", "o"), (r"uw", "u"))


@dataclass(frozen=True, slots=True)
class Match:
    """A candidate procedure for a question, with a calibrated confidence in [0, 1]."""

    code: str
    name: str
    score: float


def is_confident(matches: Sequence[Match]) -> bool:
    """True when the best match is sure enough to show its card instead of offering choices."""
    if not matches or matches[0].score < CONFIDENT_SCORE:
        return False
    return len(matches) == 1 or matches[0].score - matches[1].score >= CONFIDENT_MARGIN


def search_tokens(text: str) -> list[str]:
    """Folded syllables of a text, shorthand expanded, question filler and stop-words dropped."""
    tokens = [part for word in words(text) for part in ABBREVIATIONS.get(word, (word,))]
    kept: list[str] = []
    index = 0
    while index < len(tokens):
        span = next(
            (
                len(phrase)
                for phrase in _FILLER_BY_FIRST.get(tokens[index], ())
                if tuple(tokens[index : index + len(phrase)]) == phrase
            ),
            0,
        )
        if span:
            index += span
            continue
        if tokens[index] not in STOP_WORDS:
            kept.append(tokens[index])
        index += 1
    return kept


def _filler_by_first() -> dict[str, tuple[tuple[str, ...], ...]]:
    grouped: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for phrase in sorted(FILLER_PHRASES, key=len, reverse=True):
        grouped[phrase[0]].append(phrase)
    return {first: tuple(phrases) for first, phrases in grouped.items()}


_FILLER_BY_FIRST = _filler_by_first()
# Stop-words long enough to be recognised when misspelt, by the lengths their typos can have.
_STOP_VARIANTS: dict[int, tuple[str, ...]] = {
    size: tuple(word for word in STOP_WORDS if len(word) >= 3 and abs(len(word) - size) <= 1)
    for size in range(2, 12)
}


def _bigram(first: str, second: str) -> str:
    return f"{first} {second}"


def _terms(tokens: Sequence[str]) -> Iterator[str]:
    yield from tokens
    for first, second in itertools.pairwise(tokens):
        yield _bigram(first, second)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _is_typo_of(token: str, word: str) -> bool:
    """Whether `token` is a plausible one-key slip for `word`; short words allow fewer kinds."""
    if len(word) == len(token) + 1:  # a letter left out: "sin" for "sinh"
        return len(token) >= 3 and token in _deletes(word)
    if len(word) == len(token) - 1:  # a letter too many: "dangg"
        return len(token) >= 4 and word in _deletes(token)
    if len(word) != len(token):
        return False
    diffs = [i for i, (a, b) in enumerate(zip(token, word, strict=True)) if a != b]
    if len(diffs) == 1:  # one wrong letter: risky on short syllables
        return len(token) >= 5
    if len(diffs) != 2:
        return False
    first, second = diffs
    return (  # two neighbouring letters swapped
        len(token) >= 3
        and second == first + 1
        and token[first] == word[second]
        and token[second] == word[first]
    )


def _confusions(token: str) -> Iterator[str]:
    """Spellings differing by a consonant that regional pronunciation often swaps."""
    for old, new in CONFUSABLE_ONSETS:
        if token.startswith(old):
            yield new + token[len(old) :]
    for old, new in CONFUSABLE_CODAS:
        if token.endswith(old):
            yield token[: -len(old)] + new


@dataclass(slots=True)
class _Evidence:
    """What a question has in common with one procedure."""

    rank: float = 0.0  # BM25 plus the weight of whole aliases found: orders the candidates
    phrase_weight: float = 0.0  # idf of the phrases and aliases found
    phrase_positions: set[int] = field(default_factory=set)
    word_positions: set[int] = field(default_factory=set)

    def confidence(self, masses: Sequence[float]) -> float:
        """Share of the question explained, damped when the evidence is thin."""
        phrases, singles = self.phrase_positions, self.word_positions
        explained = sum(
            mass * (1.0 if i in phrases else _UNIGRAM_CREDIT * (i in singles))
            for i, mass in enumerate(masses)
        )
        strength = 1 - math.exp(-(explained + self.phrase_weight) / _EVIDENCE_SCALE)
        return explained / sum(masses) * strength


@dataclass(slots=True)
class _Position:
    """One informative word of the question: the index terms it may stand for, and its weight."""

    alternatives: tuple[str, ...]
    mass: float


class ProcedureIndex:
    """In-memory index over procedures; build once, then call `search` for each question."""

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        self._procedures = tuple(procedures)
        self._by_code = {procedure.code.upper(): procedure for procedure in self._procedures}
        weights: list[dict[str, float]] = []
        lengths: list[float] = []
        self._phrases: list[frozenset[str]] = []
        self._aliases_by_first: dict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
        for procedure in self._procedures:
            term_weights: dict[str, float] = defaultdict(float)
            phrase_terms: set[str] = set()
            length = 0.0
            for field_name, texts in _fields(procedure):
                weight = _FIELD_WEIGHTS[field_name]
                for text in texts:
                    tokens = search_tokens(text)
                    terms = set(_terms(tokens))
                    for term in terms:
                        term_weights[term] += weight
                    length += weight * len(tokens)
                    if field_name in _PHRASE_FIELDS:
                        phrase_terms |= terms
            weights.append(term_weights)
            lengths.append(length)
            self._phrases.append(frozenset(phrase_terms))
            aliases = {tuple(search_tokens(text)) for text in (procedure.name, *procedure.aliases)}
            for alias in sorted(alias for alias in aliases if alias):
                self._aliases_by_first[alias[0]].append((len(self._phrases) - 1, alias))
        count = len(self._procedures)
        frequency: dict[str, float] = defaultdict(float)
        for doc, term_weights in enumerate(weights):
            for term in term_weights:
                frequency[term] += 1.0 if term in self._phrases[doc] else _WEAK_FREQUENCY
        self._idf = {
            term: math.log(1 + (count - df + 0.5) / (df + 0.5)) for term, df in frequency.items()
        }
        average = sum(lengths) / count if count else 1.0
        self._postings: dict[str, dict[int, float]] = defaultdict(dict)
        for doc, term_weights in enumerate(weights):
            norm = _K1 * (1 - _B + _B * lengths[doc] / average)
            for term, tf in term_weights.items():
                self._postings[term][doc] = self._idf[term] * tf * (_K1 + 1) / (tf + norm)
        self._vocabulary = frozenset(term for term in frequency if " " not in term)
        self._phrase_vocabulary = frozenset(
            term for terms in self._phrases for term in terms if " " not in term
        )
        self._by_deletion: dict[str, set[str]] = defaultdict(set)
        for word in self._vocabulary:
            for variant in _deletes(word):
                self._by_deletion[variant].add(word)

    def named(self, question: str) -> frozenset[str]:
        """Codes of the procedures whose name or a whole alias the question spells out."""
        alternatives: list[tuple[str, ...]] = [
            (token,) for token in search_tokens(question)[:_MAX_TOKENS]]
        return frozenset(self._procedures[doc].code for doc in self._alias_hits(alternatives))

    def typed_code(self, text: str) -> Match | None:
        """The procedure whose code the text is (`1.001193`, `ts-xemay`: a code read off a
        poster or a card), as a sure match; None for any other text."""
        procedure = self._by_code.get(text.strip().upper())
        return Match(procedure.code, procedure.name, 1.0) if procedure else None

    def knows(self, word: str) -> bool:
        """Whether a folded syllable occurs in the catalogue."""
        return word in self._vocabulary

    def search(self, question: str, limit: int = 3) -> list[Match]:
        """Up to `limit` procedures matching the question, best first; [] when nothing is sure."""
        positions = self._analyse(question)
        if limit <= 0 or not any(position.alternatives for position in positions):
            return []
        evidence = self._collect(positions)
        supported = set().union(*(found.phrase_positions for found in evidence.values()))
        context = _CONTEXT if supported else 1.0  # only discount words when phrases were found
        masses = [
            position.mass * (context if position.alternatives and i not in supported else 1.0)
            for i, position in enumerate(positions)
        ]
        best_rank = max(found.rank for found in evidence.values())
        scored = sorted(
            (
                (found.confidence(masses) * found.rank / best_rank, found.rank, doc)
                for doc, found in evidence.items()
            ),
            key=lambda item: (-item[0], -item[1], self._procedures[item[2]].code),
        )
        return [
            Match(self._procedures[doc].code, self._procedures[doc].name, round(score, 4))
            for score, _, doc in scored[:limit]
            if score >= MIN_SCORE
        ]

    def _collect(self, positions: list[_Position]) -> dict[int, _Evidence]:
        """What each procedure shares with the question: words, adjacent pairs, whole aliases."""
        evidence: dict[int, _Evidence] = defaultdict(_Evidence)
        for index, position in enumerate(positions):
            for doc, weight in self._best_postings(position.alternatives).items():
                found = evidence[doc]
                found.rank += weight
                if any(term in self._phrases[doc] for term in position.alternatives):
                    found.word_positions.add(index)
            if index + 1 == len(positions):
                break
            pairs = tuple(
                _bigram(first, second)
                for first in position.alternatives
                for second in positions[index + 1].alternatives
            )
            for doc, weight in self._best_postings(pairs).items():
                found = evidence[doc]
                found.rank += weight
                matched = [self._idf[pair] for pair in pairs if pair in self._phrases[doc]]
                if matched:
                    found.phrase_positions.update((index, index + 1))
                    found.phrase_weight += max(matched)
        alias_hits = self._alias_hits([position.alternatives for position in positions])
        known = {i for i, position in enumerate(positions) if position.alternatives}
        for doc, covered in alias_hits.items():
            found = evidence[doc]
            bonus = sum(positions[i].mass for i in covered) * (2 if covered >= known else 1)
            found.phrase_positions |= covered
            found.rank += bonus
            found.phrase_weight += bonus
        return evidence

    def _best_postings(self, terms: Sequence[str]) -> dict[int, float]:
        """Best BM25 weight per procedure over spellings; all but the first are corrections."""
        best: dict[int, float] = {}
        for rank, term in enumerate(terms):
            factor = 1.0 if rank == 0 else _FUZZY
            for doc, weight in self._postings.get(term, {}).items():
                best[doc] = max(best.get(doc, 0.0), weight * factor)
        return best

    def _alias_hits(self, alternatives: list[tuple[str, ...]]) -> dict[int, set[int]]:
        """Question positions covered by whole aliases (or names), per procedure."""
        hits: dict[int, set[int]] = defaultdict(set)
        for start, candidates in enumerate(alternatives):
            for first in candidates:
                for doc, alias in self._aliases_by_first.get(first, ()):
                    end = start + len(alias)
                    if end <= len(alternatives) and all(
                        word in alternatives[start + offset]
                        for offset, word in enumerate(alias[1:], start=1)
                    ):
                        hits[doc].update(range(start, end))
        return hits

    def _analyse(self, question: str) -> list[_Position]:
        tokens = search_tokens(question)[:_MAX_TOKENS]
        positions: list[_Position] = []
        for index, token in enumerate(tokens):
            if token in self._vocabulary:
                mass = self._idf[token] if token in self._phrase_vocabulary else _UNKNOWN_MASS
                positions.append(_Position((token,), mass))
            elif token.isdigit():
                positions.append(_Position((), _NUMBER_MASS))
            elif repaired := self._repair(token, tokens[max(index - 1, 0) : index + 2]):
                positions.extend(_Position((word,), self._idf[word] * _FUZZY) for word in repaired)
            elif any(_is_typo_of(token, word) for word in _STOP_VARIANTS.get(len(token), ())):
                continue  # a misspelt filler word such as "khonng"
            else:
                positions.append(_Position((), _UNKNOWN_MASS))
        self._add_confusions(positions)
        return positions

    def _repair(self, token: str, context: list[str]) -> list[str]:
        """Known syllables for an unknown word: telex leftovers, glued words, one-key typos."""
        telex = token
        for pattern, replacement in _TELEX:
            telex = re.sub(pattern, replacement, telex)
        for candidate in (telex, telex[:-1] if telex[-1] in "sfrxj" else ""):
            if candidate in self._vocabulary:
                return [candidate]
        for cut in range(2, len(token) - 1):
            if token[:cut] in self._vocabulary and token[cut:] in self._vocabulary:
                return [token[:cut], token[cut:]]
        # A typo is only trusted when the corrected word forms a known phrase with a neighbour.
        candidates = {word for word in _confusions(token) if word in self._vocabulary}
        for variant in (*_deletes(token), token):
            candidates |= {
                word for word in self._by_deletion.get(variant, ()) if _is_typo_of(token, word)
            }
            if variant in self._vocabulary and _is_typo_of(token, variant):
                candidates.add(variant)
        phrases = [
            (self._idf[phrase], word)
            for word in candidates
            for other in context
            if other != token
            for phrase in (_bigram(word, other), _bigram(other, word))
            if phrase in self._idf
        ]
        if phrases:
            return [min(phrases)[1]]
        # Long words have few neighbours in spelling, so a lone one is corrected without context.
        alone = [word for word in candidates if word in self._phrase_vocabulary]
        return alone if len(token) >= _LONE_TYPO and len(alone) == 1 else []

    def _near(self, word: str) -> Iterator[str]:
        """Confused spellings of a word, and (for words no phrase uses) longer words it may miss a
        letter of."""
        yield from _confusions(word)
        if len(word) >= 3 and word not in self._phrase_vocabulary:
            yield from (longer for longer in self._by_deletion.get(word, ()) if longer != word)

    def _add_confusions(self, positions: list[_Position]) -> None:
        """Let a known word also stand for a near spelling when only that forms a known phrase."""
        for left, right in itertools.pairwise(positions):
            if not left.alternatives or not right.alternatives:
                continue
            first, second = left.alternatives[0], right.alternatives[0]
            if _bigram(first, second) in self._idf:
                continue
            for position, pairs in (
                (right, ((word, _bigram(first, word)) for word in self._near(second))),
                (left, ((word, _bigram(word, second)) for word in self._near(first))),
            ):
                found = [(self._idf[bigram], word) for word, bigram in pairs if bigram in self._idf]
                if found:
                    position.alternatives += (min(found)[1],)
                    break


def _fields(procedure: Procedure) -> Iterator[tuple[str, Sequence[str]]]:
    yield "alias", procedure.aliases
    yield "name", (procedure.name,)
    yield "result", (procedure.result,)
    yield "field", (procedure.field,)
    yield "applicants", procedure.applicants
    yield "documents", tuple(document.name for document in procedure.documents)
