"""Secrets kept out of every text that is logged or stored: the bots' tokens travel in the path
of every Bot API URL (`/bot<token>/method`), and an HTTP error's text may quote that URL."""

from __future__ import annotations

import re

REDACTED = "<redacted>"
_TOKEN_PATH = re.compile(r"(/bot)\d+:[^/\s'\"?#]+")
"""A token in a Telegram or Zalo Bot API path, known or not."""
_MIN_SECRET = 8
"""Shorter values (test placeholders such as "1:x") would blank ordinary text."""
_secrets: set[str] = set()


def register_secret(secret: str | None) -> None:
    """Redact ``secret`` from now on, wherever it appears."""
    if secret and len(secret) >= _MIN_SECRET:
        _secrets.add(secret)


def redact(text: str) -> str:
    """``text`` without any registered secret or Bot API token path."""
    text = _TOKEN_PATH.sub(r"\1" + REDACTED, text)
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
