"""Per-kernel results: a kernel porter crashes on is dropped alone (P0060), and every kernel of the
source has a verdict (ported, refused with its diagnostic ids, internal-error) in the result."""

from __future__ import annotations

import json

import pytest

import porter
from porter.diagnostics import Severity, Span, make
from porter.result import INTERNAL_ERROR, PORTED, REFUSED, KernelVerdict, kernel_verdicts

THREE = """\
__global__ void good(float *x, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] = 2.0f * x[i];
}

__global__ void boom(float *x, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] = x[i] + 1.0f;
}

__global__ void also_good(float *y, const float *x, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = x[i] * x[i];
}
"""

REFUSED_KERNEL = """\
__global__ void fine(float *x) { x[threadIdx.x] = 1.0f; }

__global__ void trapped(int *x) {
  asm volatile("trap;");
}
"""

TILE_TARGETS = ("triton", "pallas", "nki")


def _emitter_class(target: str):
    """The class whose ``kernel()`` prints one kernel, in each tile backend's emit module."""
    if target == "triton":
        from porter.backends.triton import emit
        return emit._Emitter
    if target == "pallas":
        from porter.backends.pallas import emit
        return emit.Emitter
    from porter.backends.nki import emit
    return emit._Emitter


def _boom_on_emit(monkeypatch, target: str) -> None:
    """Porter's own bug, injected: emitting the kernel named ``boom`` raises."""
    cls = _emitter_class(target)
    original = cls.kernel

    def kernel(self):
        if self.p.kernel == "boom":
            raise ValueError("injected emitter bug")
        return original(self)

    monkeypatch.setattr(cls, "kernel", kernel)


def _verdicts(result) -> dict[str, tuple]:
    return {k.name: (k.line, k.verdict, k.diagnostics) for k in result.kernels}


@pytest.mark.parametrize("target", TILE_TARGETS)
def test_a_kernel_whose_emission_raises_is_dropped_alone(monkeypatch, target):
    _boom_on_emit(monkeypatch, target)
    result = porter.translate(THREE, target, name="three.cu")
    assert _verdicts(result) == {"good": (1, PORTED, ()), "boom": (6, INTERNAL_ERROR, ("P0060",)),
                                 "also_good": (11, PORTED, ())}
    crash = next(d for d in result.diagnostics if d.id == "P0060")
    assert crash.severity is Severity.ERROR and (crash.span.file, crash.span.line) == ("three.cu", 6)
    assert crash.message.startswith("boom: internal error in porter while emitting it")
    assert "ValueError: injected emitter bug" in crash.message
    table = next(line for line in result.code.splitlines() if line.startswith("KERNELS = "))
    assert "'good'" in table and "'also_good'" in table and "boom" not in table


def test_a_kernel_whose_lowering_raises_is_dropped_alone(monkeypatch):
    from porter.passes.tile.lower import LowerToBlockProgram

    original = LowerToBlockProgram.apply

    def apply(self, fn, module):
        if fn.name == "boom":
            raise KeyError("injected lowering bug")
        return original(self, fn, module)

    monkeypatch.setattr(LowerToBlockProgram, "apply", apply)
    result = porter.translate(THREE, "triton", name="three.cu")
    assert _verdicts(result)["boom"] == (6, INTERNAL_ERROR, ("P0060",))
    assert [k.verdict for k in result.kernels].count(PORTED) == 2
    crash = next(d for d in result.diagnostics if d.id == "P0060")
    assert "while lowering it to a block program: KeyError" in crash.message and crash.span.line == 6


def test_the_traceback_is_printed_only_with_porter_debug(monkeypatch, capsys):
    _boom_on_emit(monkeypatch, "triton")
    monkeypatch.delenv("PORTER_DEBUG", raising=False)
    porter.translate(THREE, "triton", name="three.cu")
    assert "Traceback" not in capsys.readouterr().err
    monkeypatch.setenv("PORTER_DEBUG", "1")
    porter.translate(THREE, "triton", name="three.cu")
    err = capsys.readouterr().err
    assert "Traceback" in err and "ValueError: injected emitter bug" in err and "kernel boom" in err


def test_deep_input_is_not_contained_to_a_kernel(monkeypatch):
    """A RecursionError stays the file's (P0032 for deep input), not one kernel's P0060."""
    cls = _emitter_class("triton")
    monkeypatch.setattr(cls, "kernel", lambda self: (_ for _ in ()).throw(RecursionError("deep")))
    result = porter.translate(THREE, "triton", name="three.cu")
    assert [d.id for d in result.diagnostics] == ["P0032"] and result.code == ""


@pytest.mark.parametrize("target", ("hip", *TILE_TARGETS))
def test_a_refused_kernel_is_refused_with_its_diagnostic(target):
    result = porter.translate(REFUSED_KERNEL, target, name="two.cu")
    verdicts = _verdicts(result)
    assert verdicts["fine"] == (1, PORTED, ())
    line, verdict, ids = verdicts["trapped"]
    assert (line, verdict) == (3, REFUSED) and ids
    assert set(ids) <= {d.id for d in result.errors}


def test_hip_leaves_the_kernel_a_rule_raises_on_as_it_was(monkeypatch):
    import porter.backends.hip as hip

    def crashes_on_boom(ctx):
        for region in ctx.regions:
            if b"void boom" in region.data:
                raise RuntimeError("injected rule bug")

    monkeypatch.setattr(hip, "RULES", (crashes_on_boom, *hip.RULES))
    text = THREE.replace("x[i] + 1.0f", "__shfl_down_sync(0xffffffff, x[i], 1)")
    result = porter.translate(text, "hip", name="three.cu", hip_version="5.2")
    assert _verdicts(result) == {"good": (1, PORTED, ()), "boom": (6, INTERNAL_ERROR, ("P0060",)),
                                 "also_good": (11, PORTED, ())}
    assert result.code.startswith("#include <hip/hip_runtime.h>")
    assert "__shfl_down_sync(0xffffffff, x[i], 1)" in result.code  # boom's text, not rewritten
    crash = next(d for d in result.diagnostics if d.id == "P0060")
    assert "internal error in porter while rewriting it for HIP: RuntimeError: injected rule bug" in crash.message


def test_hip_keeps_a_file_wide_internal_error(monkeypatch):
    """A rule that raises whatever the kernels are is the file's bug: it is not blamed on a kernel."""
    import porter.backends.hip as hip

    def always(ctx):
        raise RuntimeError("file-wide bug")

    monkeypatch.setattr(hip, "RULES", (always, *hip.RULES))
    with pytest.raises(RuntimeError, match="file-wide bug"):
        porter.translate(THREE, "hip", name="three.cu")


def test_the_json_report_of_translate_lists_the_kernels():
    data = json.loads(json.dumps(porter.translate(REFUSED_KERNEL, "triton", name="two.cu").to_json()))
    assert [(k["name"], k["line"], k["verdict"]) for k in data["kernels"]] == [("fine", 1, PORTED),
                                                                               ("trapped", 3, REFUSED)]


def _span(start: int, end: int, line: int) -> Span:
    return Span("k.cu", start, end, line, 1, line, 1)


def test_kernel_verdicts_from_spans_and_diagnostics():
    kernels = [("b", _span(50, 90, 5)), ("a", _span(0, 40, 1)), ("c", _span(100, 140, 9))]
    found = [make("P0401", "a refusal", _span(60, 61, 6)), make("P0060", "a crash", _span(100, 101, 9)),
             make("P0101", "a warning outside", _span(95, 96, 8))]
    assert kernel_verdicts(kernels, found) == [
        KernelVerdict("a", 1, PORTED), KernelVerdict("b", 5, REFUSED, ("P0401",)),
        KernelVerdict("c", 9, INTERNAL_ERROR, ("P0060",))]
    # the tile backends say which kernels the module holds; a missing one without an error inside
    # it is refused for the file's errors outside every kernel
    outside = [make("P0102", "the file", _span(45, 46, 4))]
    assert kernel_verdicts(kernels, outside, ported={"a"}) == [
        KernelVerdict("a", 1, PORTED), KernelVerdict("b", 5, REFUSED, ("P0102",)),
        KernelVerdict("c", 9, REFUSED, ("P0102",))]


def test_a_refusal_naming_its_kernel_belongs_to_it_wherever_it_points():
    """One syntax error can refuse several kernels: each refusal opens with the kernel's name and
    points at the error, which may lie inside another kernel."""
    from porter.diagnostics import Severity, Span
    from porter.result import kernel_verdicts

    def span(start, end, line):
        return Span("k.cu", start, end, line, 1, line, 1)

    def error(message, at):
        from porter.diagnostics import Diagnostic
        return Diagnostic("P0022", Severity.ERROR, message, at)

    first, second = span(0, 100, 1), span(100, 200, 10)
    found = [error("second: the code at k.cu:3 does not parse", span(30, 31, 3))]
    verdicts = {v.name: v for v in kernel_verdicts([("first", first), ("second", second)], found)}
    assert verdicts["first"].verdict == "ported"
    assert verdicts["second"].verdict == "refused" and verdicts["second"].diagnostics == ("P0022",)
