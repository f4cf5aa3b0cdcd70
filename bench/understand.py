"""How well free text is understood: a labelled set of villagers' messages, typed as people type.

Run: .venv/bin/python bench/understand.py [--dev]

The set is bench/data/understand.tsv (intent, label, text). A third of it is held out by a hash
of the text (crc32 % 3 == 0): the classifier's phrases were tuned only on the failures of the
other two thirds (`--dev` prints those and nothing of the held-out third).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from services.procedures.catalogue import load_catalogue
from services.procedures.search import ProcedureIndex
from services.understand.classifier import Classifier, Intent, Understanding
from services.understand.referrals import referrals

DATA = Path(__file__).parent / "data" / "understand.tsv"
REPEATS = 3  # a message's latency is the median of its runs: the machine is shared


@dataclass(frozen=True)
class Case:
    intent: str
    label: str
    text: str

    @property
    def held_out(self) -> bool:
        return zlib.crc32(self.text.encode()) % 3 == 0

    def correct(self, got: Understanding) -> bool:
        return got.intent == self.intent and self.label_correct(got)

    def label_correct(self, got: Understanding) -> bool:
        wanted = None if self.label == "-" else self.label
        value = {"procedure": got.code, "feedback": got.category, "office_info": got.topic,
                 "referral": got.topic}.get(self.intent)
        return value == wanted


def load() -> list[Case]:
    cases = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            intent, label, text = line.split("\t")
            cases.append(Case(intent, label, text))
    return cases


def share(good: int, total: int) -> str:
    return f"{good / total:6.1%} ({good}/{total})" if total else "   n/a"


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--dev", action="store_true",
                         help="only the tuning two thirds, with their failures")
    dev_only = options.parse_args().dev
    classifier = Classifier(ProcedureIndex(load_catalogue()), referrals())
    cases = [case for case in load() if not (dev_only and case.held_out)]
    results: list[tuple[Case, Understanding]] = []
    latencies: list[float] = []
    first_runs: list[float] = []
    for case in cases:
        runs = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            got = classifier.classify(case.text)
            runs.append((time.perf_counter() - start) * 1000)
        latencies.append(statistics.median(runs))
        first_runs.append(runs[0])
        results.append((case, got))
    by_intent: Counter[str] = Counter()
    good_by_intent: Counter[str] = Counter()
    for case, got in results:
        by_intent[case.intent] += 1
        good_by_intent[case.intent] += case.correct(got)
    print(f"{len(cases)} messages ({sum(c.held_out for c in cases)} held out)")
    for intent in Intent:
        print(f"  {intent:<12} {share(good_by_intent[intent], by_intent[intent])}")
    print(f"overall        {share(sum(good_by_intent.values()), len(cases))}")
    held = [(case, got) for case, got in results if case.held_out]
    print(f"held-out third {share(sum(c.correct(g) for c, g in held), len(held))}")
    crossed = [(c, g) for c, g in results
               if {c.intent, str(g.intent)} == {"feedback", "procedure"}]
    either = sum(c.intent in ("feedback", "procedure") for c, _ in results)
    print(f"feedback↔procedure confusion {share(len(crossed), either)}")
    referral_cases = [(c, g) for c, g in results if c.intent == "referral"]
    print("referral topic "
          + share(sum(g.topic == c.label for c, g in referral_cases), len(referral_cases)))
    for name, values in (("median of runs", latencies), ("first run", first_runs)):
        values.sort()
        p95 = values[max(0, int(len(values) * 0.95) - 1)]
        print(f"latency ({name}) p50 {statistics.median(values):.2f} ms, p95 {p95:.2f} ms")
    for case, got in results:
        if not case.held_out and not case.correct(got):
            print(f"  ✗ {case.intent}/{case.label} → {got.intent}/"
                  f"{got.code or got.category or got.topic}: {case.text}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
