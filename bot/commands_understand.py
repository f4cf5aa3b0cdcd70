"""`python -m bot understand "TEXT" [--json]` (or `-`: one text a line from stdin, JSON Lines):
what the bot takes a citizen's free text to be about."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from bot.commands_procedures import catalogue_session, clean
from bot.settings import Settings
from services.procedures.store import Procedures
from services.understand.classifier import Classifier, Understanding, classifier_for


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    understand = sub.add_parser("understand", help="classify a citizen's free text: procedure, "
                                                   "feedback, office_info, referral, greeting "
                                                   "or unknown")
    understand.set_defaults(module=__name__)
    understand.add_argument("text", help='the text, or "-" to read one per line from stdin')
    understand.add_argument("--json", action="store_true",
                            help="print JSON (always JSON Lines when reading from stdin)")


async def understand(args: argparse.Namespace, settings: Settings) -> int:
    async with catalogue_session(settings) as session:
        classifier = classifier_for(await Procedures(session).index())
    if args.text == "-":
        return classify_lines(classifier, sys.stdin, sys.stdout)
    found = classifier.classify(clean(args.text))
    print(json.dumps(found.as_json(), ensure_ascii=False) if args.json else line(found))
    return 0


def classify_lines(classifier: Classifier, source: TextIO, out: TextIO) -> int:
    for text in source:
        found = classifier.classify(clean(text.rstrip("\n")))
        out.write(json.dumps(found.as_json(), ensure_ascii=False) + "\n")
        out.flush()
    return 0


def line(found: Understanding) -> str:
    details = [f"{name}={value}" for name, value in found.as_json().items()
               if name != "intent" and value is not None]
    return " ".join([str(found.intent), *details])
