"""porter: port CUDA kernels to HIP, Triton, JAX Pallas and AWS NKI."""

from porter.api import translate
from porter.diagnostics import Diagnostic, Severity, Span
from porter.project import ProjectContext
from porter.result import TranslationResult
from porter.source import InputError, SourceFile

__version__ = "0.1.0"

__all__ = ["Diagnostic", "InputError", "ProjectContext", "Severity", "SourceFile", "Span", "TranslationResult",
           "__version__", "translate"]
