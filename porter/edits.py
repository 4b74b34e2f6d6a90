"""Span edits over the original source bytes: the lossless rewrite that source backends use.

A backend collects :class:`Edit`s (replace bytes ``[start, end)`` with ``text``) in an
:class:`EditSet`; applying it leaves every byte outside the edits untouched, so a file with no
edits comes out byte-identical.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Edit:
    start: int
    end: int
    text: str
    rule: str  # which rule made the edit, e.g. "rename", "warp-sync", "launch-ggl"
    original: str = ""

    @property
    def is_insertion(self) -> bool:
        return self.start == self.end

    def to_json(self) -> dict:
        return {"start": self.start, "end": self.end, "rule": self.rule,
                "original": self.original, "replacement": self.text}


class EditConflict(Exception):
    """Two edits replace overlapping bytes: a bug in porter, never the user's fault."""


class EditSet:
    """Non-overlapping edits kept sorted by position. Insertions at one offset keep their order."""

    def __init__(self, data: bytes):
        self._data = data
        self._edits: list[Edit] = []
        self._starts: list[tuple[int, int]] = []  # (start, sequence) for bisect
        self._sequence = 0

    def __len__(self) -> int:
        return len(self._edits)

    def __iter__(self):
        return iter(self._edits)

    def overlaps(self, start: int, end: int) -> bool:
        """True if replacing ``[start, end)`` would touch bytes another edit already replaces."""
        index = bisect.bisect_left(self._starts, (start, -1))
        for neighbour in self._edits[max(0, index - 1): index + 2]:
            if _ranges_overlap(start, end, neighbour.start, neighbour.end):
                return True
        return any(_ranges_overlap(start, end, e.start, e.end) for e in self._edits[index + 2:]
                   if e.start < end)

    def replace(self, start: int, end: int, text: str, rule: str) -> Edit | None:
        """Add an edit; returns None (and changes nothing) when the text is unchanged."""
        original = self._data[start:end].decode("utf-8")
        if original == text:
            return None
        if self.overlaps(start, end):
            raise EditConflict(f"internal error in porter, please report: edit {rule} at bytes "
                               f"{start}-{end} overlaps an earlier edit")
        edit = Edit(start, end, text, rule, original)
        key = (start, self._sequence)
        self._sequence += 1
        index = bisect.bisect_right(self._starts, key)
        self._starts.insert(index, key)
        self._edits.insert(index, edit)
        return edit

    def insert(self, offset: int, text: str, rule: str) -> Edit | None:
        return self.replace(offset, offset, text, rule)

    def apply(self) -> str:
        pieces: list[bytes] = []
        cursor = 0
        for edit in self._edits:
            # an insertion registered after a replacement that starts at the same offset comes
            # after that replacement's text, and must not bring the replaced bytes back
            pieces.append(self._data[cursor:max(cursor, edit.start)])
            pieces.append(edit.text.encode("utf-8"))
            cursor = max(cursor, edit.end)
        pieces.append(self._data[cursor:])
        return b"".join(pieces).decode("utf-8")


def _ranges_overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    # Pure insertions never overlap anything; replacements overlap when they share a byte, or when
    # an insertion falls strictly inside a replaced range.
    if a_start == a_end:
        return b_start < a_start < b_end
    if b_start == b_end:
        return a_start < b_start < a_end
    return a_start < b_end and b_start < a_end
