"""Errors of the golden corpus: bad specs, missing toolchains, failed recordings."""

from __future__ import annotations


class GoldenError(Exception):
    """Something the user can fix: a bad spec, no nvcc, no GPU. Carries an optional hint."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class SpecError(GoldenError):
    """A kernel spec (``NAME.toml``) that is malformed or disagrees with its kernel source.

    ``where`` names the file and the key, e.g. ``golden/kernels/saxpy.toml: launch[0].grid``.
    """

    def __init__(self, where: str, message: str, hint: str | None = None):
        super().__init__(f"{where}: {message}", hint)
        self.where = where


class ToolchainError(GoldenError):
    """No nvcc, no GPU, or a compiler that fails on a generated launcher."""


class GoldenDataError(GoldenError):
    """A recorded golden that cannot be trusted: a file missing or unreadable, arrays that do not match
    the spec's buffers, or data that does not match the hash its provenance carries.

    ``status`` is ``"corrupt"`` (the files are broken or changed) or ``"unhashed"`` (the provenance
    carries no data hash, so the data cannot be verified).
    """

    def __init__(self, path, message: str, hint: str | None = None, status: str = "corrupt"):
        super().__init__(message, hint)
        self.path = path
        self.status = status
