"""The error of ``porter golden capture``: a diagnostic id (P0130-P0139), a message and a hint."""

from __future__ import annotations

from porter.golden.errors import GoldenError, ToolchainError


class CaptureError(GoldenError):
    """A capture that cannot run or cannot be turned into specs; ``code`` is its diagnostic id."""

    def __init__(self, code: str, message: str, hint: str | None = None):
        super().__init__(message, hint)
        self.code = code


class CaptureToolchainError(CaptureError, ToolchainError):
    """No C compiler to build the shim with."""
