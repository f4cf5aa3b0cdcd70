"""Benchmark of procedure search: accuracy, false positives, latency, build time and memory.

Usage: python bench/procedure_search.py [--split all|dev|heldout] [--rounds N] [--misses]

The question set (bench/data/procedure_questions.tsv) has one question per line with the expected
procedure code (empty when nothing should match) and a split: "dev" questions may be looked at
while tuning the method and aliases, "heldout" ones only to check the final result.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from services.procedures.catalogue import load_catalogue  # noqa: E402
from services.procedures.search import Match, ProcedureIndex, is_confident  # noqa: E402

QUESTIONS = ROOT / "bench" / "data" / "procedure_questions.tsv"
TARGET_TOP1, TARGET_TOP3, TARGET_P95_MS, TARGET_MEMORY_MB = 0.90, 0.97, 5.0, 30.0


@dataclass(frozen=True, slots=True)
class Question:
    """A labelled question: `expected` is empty when no procedure should be returned."""

    text: str
    expected: str
    split: str


@dataclass(frozen=True, slots=True)
class Accuracy:
    """Results over one group of labelled questions."""

    answerable: int
    top1: int
    top3: int
    confident: int
    confident_wrong: int
    unanswerable: int
    false_positives: int

    def line(self, label: str) -> str:
        """One printable summary line."""
        n = max(self.answerable, 1)
        return (
            f"{label:<8} top-1 {self.top1 / n:6.1%} ({self.top1}/{self.answerable})  "
            f"top-3 {self.top3 / n:6.1%}  sure answers {self.confident} "
            f"({self.confident_wrong} wrong)  no-answer false positives "
            f"{self.false_positives}/{self.unanswerable}"
        )


def read_questions(path: Path = QUESTIONS) -> list[Question]:
    """The labelled question set."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Question(row["question"], row["expected_code"].strip(), row["split"].strip())
            for row in csv.DictReader(handle, delimiter="\t")
        ]


def score(results: list[tuple[Question, list[Match]]]) -> Accuracy:
    """Top-1/top-3 accuracy, sure answers and false positives for (question, matches) pairs."""
    answerable = [(q, m) for q, m in results if q.expected]
    top1 = [bool(m) and m[0].code == q.expected for q, m in answerable]
    sure = [is_confident(m) for _, m in answerable]
    return Accuracy(
        answerable=len(answerable),
        top1=sum(top1),
        top3=sum(q.expected in [match.code for match in m] for q, m in answerable),
        confident=sum(sure),
        confident_wrong=sum(s and not t for s, t in zip(sure, top1, strict=True)),
        unanswerable=len(results) - len(answerable),
        false_positives=sum(bool(m) for q, m in results if not q.expected),
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; exit status 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("all", "dev", "heldout"), default="all")
    parser.add_argument("--rounds", type=int, default=5, help="latency rounds over all questions")
    parser.add_argument("--misses", action="store_true", help="list wrong and unsure answers")
    args = parser.parse_args(argv)

    catalogue = load_catalogue()
    tracemalloc.start()
    started = time.perf_counter()
    index = ProcedureIndex(catalogue)
    build_ms = (time.perf_counter() - started) * 1000
    memory_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()

    questions = [q for q in read_questions() if args.split in ("all", q.split)]
    results = [(q, index.search(q.text)) for q in questions]
    latencies = []
    for _ in range(args.rounds):
        for question in questions:
            started = time.perf_counter()
            index.search(question.text)
            latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[min(len(latencies) - 1, round(0.95 * len(latencies)))]

    overall = score(results)
    print(f"catalogue: {len(catalogue)} procedures; questions: {len(questions)} ({args.split})")
    print(overall.line(args.split))
    if args.split == "all":
        for split in ("dev", "heldout"):
            print(score([(q, m) for q, m in results if q.split == split]).line(split))
    print(
        f"latency  p50 {p50:.3f} ms  p95 {p95:.3f} ms  max {latencies[-1]:.3f} ms "
        f"({len(latencies)} searches)"
    )
    print(f"index    build {build_ms:.1f} ms  added memory {memory_mb:.2f} MB (tracemalloc)")
    if args.misses:
        for question, matches in results:
            got = [f"{m.code} {m.score:.2f}" for m in matches]
            wrong = (matches[0].code if matches else "") != question.expected
            if wrong or (question.expected and not is_confident(matches)):
                expected = question.expected or "(none)"
                flag = "WRONG" if wrong else "UNSURE"
                print(f"  {flag:<6} [{question.split}] {question.text!r}: {expected} <- {got}")

    n = max(overall.answerable, 1)
    checks = {
        f"top-1 >= {TARGET_TOP1:.0%}": overall.top1 / n >= TARGET_TOP1,
        f"top-3 >= {TARGET_TOP3:.0%}": overall.top3 / n >= TARGET_TOP3,
        f"p95 < {TARGET_P95_MS} ms": p95 < TARGET_P95_MS,
        f"memory < {TARGET_MEMORY_MB} MB": memory_mb < TARGET_MEMORY_MB,
    }
    verdicts = (f"{name}: {'ok' if ok else 'MISSED'}" for name, ok in checks.items())
    print("targets  " + "  ".join(verdicts))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
