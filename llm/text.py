"""Text from outside porter (model answers, candidates' error output, provider fields) made safe to
keep: valid Unicode and of bounded length, so that prompts, reports, stores and terminals never
fail on it.

A lone surrogate (a code point in U+D800..U+DFFF, which JSON's ``\\udXXX`` escapes can produce) cannot
be encoded as UTF-8; :func:`escape_surrogates` writes it as the six characters ``\\udXXX`` instead.
"""

from __future__ import annotations

import re

SURROGATE = re.compile("[\ud800-\udfff]")
#: The longest string a report field keeps (reasons, details, notes, origin fields).
REPORT_FIELD = 4000


def first_surrogate(text: str) -> int | None:
    """The index of the first lone surrogate in ``text``, or None."""
    found = SURROGATE.search(text)
    return found.start() if found else None


def escape_surrogates(text: str) -> str:
    """``text`` with every lone surrogate written as a ``\\udXXX`` escape (other text unchanged)."""
    if SURROGATE.search(text) is None:
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``, saying how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]} [... {len(text) - limit} more characters]"


def safe_text(text: object, limit: int = REPORT_FIELD) -> str:
    """Any value as text that encodes as UTF-8, clipped to ``limit`` characters."""
    if not isinstance(text, str):
        text = _describe(text)
    return clip(escape_surrogates(text), limit)


def safe_json(value: object, limit: int = REPORT_FIELD) -> object:
    """A JSON-ready tree (dicts, lists, scalars) with every string (keys too) made :func:`safe_text`."""
    if isinstance(value, str):
        return safe_text(value, limit)
    if isinstance(value, dict):
        return {safe_text(k, limit) if isinstance(k, str) else k: safe_json(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [safe_json(v, limit) for v in value]
    return value


def describe_error(error: BaseException, limit: int = REPORT_FIELD) -> str:
    """``Type: message`` of an exception, safe to keep."""
    return safe_text(f"{type(error).__name__}: {_describe(error)}", limit)


def _describe(value: object) -> str:
    try:
        return str(value) if isinstance(value, BaseException) else repr(value)[:REPORT_FIELD]
    except Exception as error:  # noqa: BLE001 -- a value whose str() fails is still reported
        return f"<unprintable {type(value).__name__}: {type(error).__name__}>"
