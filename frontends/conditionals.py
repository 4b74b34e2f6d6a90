"""Which parts of a file the preprocessor surely skips: branches of ``#if``/``#ifdef``/``#elif``/
``#else`` whose condition is decided false.

A condition is decided only from what is surely known: the command line's macros (``-D``/``-U``),
and names that no file of the scan ``#define``s (those are undefined: ``defined(NAME)`` is 0 and
``NAME`` is 0, as the preprocessor reads them). A name some file defines has an unknown value and
makes its condition undecided; an undecided branch counts as taken, as does any condition this
small evaluator cannot read (function-like macros, ``__has_include``, character literals). So a
branch is reported skipped only when every compiler with these flags skips it.
"""

from __future__ import annotations

import re

_DIRECTIVE = re.compile(rb"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b([^\r\n]*)", re.MULTILINE)
_DEFINE = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)", re.MULTILINE)
_TOKEN = re.compile(r"\s*(?:(defined)\b|([A-Za-z_]\w*)|(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|"
                    r"(&&|\|\||==|!=|<=|>=|<<|>>|[()!<>+\-*/%&|^~]))")
_PYTHON = {"&&": " and ", "||": " or ", "!": " not "}


class Undecided(Exception):
    """The condition depends on something not surely known."""


def defined_names(data: bytes) -> set[str]:
    """Every name ``data`` ``#define``s anywhere (whatever branch it is in)."""
    return {m.group(1).decode("ascii") for m in _DEFINE.finditer(data)}


def skipped_ranges(data: bytes, macros: dict[str, str], maybe_defined: set[str]) -> list[tuple[int, int]]:
    """Byte ranges of ``data`` in branches surely not taken. ``macros``: the command line's
    (name -> value); ``maybe_defined``: names some file of the scan defines (value unknown)."""
    ranges: list[tuple[int, int]] = []
    # per open #if: [this branch live?, a branch already surely taken?, start of the dead branch, outer live?]
    stack: list[list] = []
    live = True
    for match in _DIRECTIVE.finditer(data):
        kind = match.group(1).decode()
        rest = _strip_comment(match.group(2).decode("utf-8", errors="replace"))
        if kind in ("if", "ifdef", "ifndef"):
            verdict = _decide(kind, rest, macros, maybe_defined)
            stack.append([verdict, verdict is True, None, live])
            branch_live = verdict is not False
        elif kind in ("elif", "else") and stack:
            frame = stack[-1]
            if frame[2] is not None:
                ranges.append((frame[2], match.start()))
                frame[2] = None
            frame.append(frame[0])  # the earlier branches' verdicts, from frame[4] on
            if frame[1]:
                verdict = False
            elif kind == "else":
                verdict = True if all(v is False for v in frame[4:]) else None
            else:
                verdict = _decide("if", rest, macros, maybe_defined)
            frame[0] = verdict
            frame[1] = frame[1] or verdict is True
            branch_live = verdict is not False
        elif kind == "endif" and stack:
            frame = stack.pop()
            if frame[2] is not None:
                ranges.append((frame[2], match.start()))
            live = frame[3]
            continue
        else:
            continue
        outer = stack[-1][3]
        live = outer and branch_live
        if outer and not branch_live:
            stack[-1][2] = match.end()
    for frame in stack:  # an #if left open at the end of the file
        if frame[2] is not None:
            ranges.append((frame[2], len(data)))
    return ranges


def inside(offset: int, ranges: list[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in ranges)


def _fold_not(words: list[str]) -> list[str]:
    """``!`` applied to a number folded to its value (unary ``!`` binds tighter than any operator)."""
    out: list[str] = []
    for word in reversed(words):
        if word == " not " and out and out[-1].isdigit():
            out[-1] = "0" if int(out[-1]) else "1"
        else:
            out.append(word)
    return out[::-1]


def _strip_comment(text: str) -> str:
    return re.sub(r"/\*.*?\*/|//.*$", " ", text).strip()


def _decide(kind: str, text: str, macros: dict[str, str], maybe: set[str]) -> bool | None:
    try:
        if kind in ("ifdef", "ifndef"):
            name = text.split()[0] if text.split() else ""
            known = _is_defined(name, macros, maybe)
            return known if kind == "ifdef" else not known
        return bool(_evaluate(text, macros, maybe))
    except Undecided:
        return None


def _is_defined(name: str, macros: dict[str, str], maybe: set[str]) -> bool:
    if name in maybe:
        raise Undecided(name)
    return name in macros


def _evaluate(text: str, macros: dict[str, str], maybe: set[str], depth: int = 0) -> int:
    if depth > 8:
        raise Undecided(text)
    words: list[str] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise Undecided(text)
        position = match.end()
        if match.group(1):  # defined NAME / defined(NAME)
            name = re.match(r"\s*\(?\s*([A-Za-z_]\w*)\s*\)?", text[position:])
            if name is None:
                raise Undecided(text)
            position += name.end()
            words.append("1" if _is_defined(name.group(1), macros, maybe) else "0")
        elif match.group(2):
            name = match.group(2)
            if name in maybe or text[position:].lstrip().startswith("("):  # a function-like macro
                raise Undecided(name)
            if name in macros:
                words.append(str(_evaluate(macros[name], macros, maybe, depth + 1)))
            else:
                words.append("0")
        elif match.group(3):
            words.append(str(int(match.group(3), 0)))
        else:
            operator = match.group(4)
            words.append(_PYTHON.get(operator, "//" if operator == "/" else operator))
    if not words:
        raise Undecided(text)
    words = _fold_not(words)
    compares = any(w in ("==", "!=", "<", ">", "<=", ">=") for w in words)
    if compares and any(w in (" not ", "&", "|", "^") for w in words):
        raise Undecided(text)  # C and Python rank these operators differently
    try:
        return int(eval(" ".join(words), {"__builtins__": {}}, {}))  # noqa: S307 - digits and operators only
    except Exception:  # noqa: BLE001 - e.g. division by zero, a C-only form
        raise Undecided(text) from None
