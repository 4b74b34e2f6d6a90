"""The one exception the tile lowering raises: a construct it cannot express faithfully.

It is caught at the top of the pipeline and turned into a diagnostic (id ``P04xx``) that names the
construct and points at its line; the lowering never guesses.
"""

from __future__ import annotations

from porter.diagnostics import Span


class Refusal(Exception):
    def __init__(self, diag_id: str, message: str, span: Span | None):
        super().__init__(message)
        self.diag_id = diag_id
        self.message = message
        self.span = span
