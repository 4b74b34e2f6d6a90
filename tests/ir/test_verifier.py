"""The verifier accepts what the frontends build and names what is wrong in broken IR."""

from __future__ import annotations

import pytest

from porter.ir import build
from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.module import DEVICE, KERNEL, Function, Module, Param
from porter.ir.verifier import VerifierError, check, verify
from porter.source import SourceFile
from tests.ir.helpers import build_text

SPAN = SourceFile("t.cu", "x").span(0, 1)


def module_of(*body: N.Stmt, kind: str = KERNEL, ret: T.Type = T.VOID, params=()) -> Module:
    fn = Function("k", kind, tuple(params), ret, N.Block(tuple(body), span=SPAN), SPAN)
    return Module("t.cu", "test", (fn,))


def messages(module: Module) -> list[str]:
    return [d.message for d in verify(module)]


def var(name: str, t: T.Type) -> N.Var:
    return N.Var(name, type=t, span=SPAN)


def test_well_formed_module():
    module = build_text("__global__ void k(float* a, int n) { int i = threadIdx.x; if (i < n) a[i] = 2 * a[i]; }")
    assert check(module) is module


def test_wrong_expression_type():
    a = var("a", T.I32)
    bad = N.Binary("+", a, a, type=T.F32, span=SPAN)
    module = module_of(N.Eval(bad, span=SPAN), params=[Param("a", T.I32, SPAN)])
    assert messages(module) == ["in k: Binary has type f32, its operands make it i32"]


def test_undeclared_and_mistyped_variables():
    module = module_of(N.Eval(var("x", T.I32), span=SPAN), N.Eval(var("a", T.F32), span=SPAN),
                       params=[Param("a", T.I32, SPAN)])
    assert messages(module) == ["in k: `x` is not declared", "in k: `a` has type f32 here but is declared i32"]


def test_break_outside_loop_and_bad_returns():
    module = module_of(N.Break(span=SPAN), N.Return(build.const(1, T.I32, SPAN), span=SPAN))
    assert messages(module) == ["in k: break outside a loop", "in k: return with a value in a void function"]
    device = module_of(N.Return(span=SPAN), kind=DEVICE, ret=T.F32)
    assert messages(device) == ["in k: return without a value in a function returning f32"]


def test_kernel_must_return_void_and_barriers_stay_in_device_code():
    module = module_of(N.Barrier("__syncthreads", "block", span=SPAN), kind="host", ret=T.I32)
    assert messages(module) == ["in k: function kind 'host' is not kernel/device/host_device",
                                "in k: __syncthreads() outside device code"]
    assert messages(module_of(ret=T.I32)) == ["in k: kernel returns i32, not void"]


def test_missing_span_and_unknown_callee():
    node = N.Eval(build.const(1, T.I32, SPAN), span=None)
    assert messages(module_of(node)) == ["in k: Eval has no span"]
    call = N.Eval(N.Call("nowhere", (), type=T.VOID, span=SPAN), span=SPAN)
    assert messages(module_of(call)) == ["in k: call of nowhere, which is not a function of the module"]


def test_indexing_a_scalar():
    a = var("a", T.I32)
    load = N.Load(a, (build.const(0, T.I32, SPAN),), type=T.UNKNOWN, span=SPAN)
    problems = messages(module_of(N.Eval(load, span=SPAN), params=[Param("a", T.I32, SPAN)]))
    assert "in k: indexing a value of type i32" in problems


def test_check_raises_with_all_problems():
    with pytest.raises(VerifierError) as error:
        check(module_of(N.Break(span=SPAN), N.Continue(span=SPAN)))
    assert len(error.value.problems) == 2
    assert "P0308" in str(error.value)
