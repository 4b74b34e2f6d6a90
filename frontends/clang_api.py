"""The libclang C functions porter needs beyond ``clang.cindex``'s Python API (LLVM 17+).

``clang.cindex`` 18 has no wrapper for a binary or unary operator's kind, a variable's
initializer, a token's spelling location or constant evaluation; libclang.so exports them, and
they are bound here with ctypes, once.
"""

from __future__ import annotations

import ctypes
import os
import threading
from contextlib import contextmanager
from functools import cache


@cache
def cindex():
    import clang.cindex as ci  # the optional dependency: porter[ir]

    lib = ci.conf.lib
    _bind(lib, "clang_getCursorBinaryOperatorKind", [ci.Cursor], ctypes.c_int)
    _bind(lib, "clang_getCursorUnaryOperatorKind", [ci.Cursor], ctypes.c_int)
    _bind(lib, "clang_getBinaryOperatorKindSpelling", [ctypes.c_int], ci._CXString,
          ci._CXString.from_result)
    _bind(lib, "clang_Cursor_getVarDeclInitializer", [ci.Cursor], ci.Cursor, ci.Cursor.from_result)
    _bind(lib, "clang_getSpellingLocation",
          [ci.SourceLocation, ctypes.POINTER(ci.c_object_p), ctypes.POINTER(ctypes.c_uint),
           ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint)], None)
    _bind(lib, "clang_Cursor_Evaluate", [ci.Cursor], ctypes.c_void_p)
    _bind(lib, "clang_EvalResult_getKind", [ctypes.c_void_p], ctypes.c_int)
    _bind(lib, "clang_EvalResult_getAsLongLong", [ctypes.c_void_p], ctypes.c_longlong)
    _bind(lib, "clang_EvalResult_isUnsignedInt", [ctypes.c_void_p], ctypes.c_uint)
    _bind(lib, "clang_EvalResult_getAsUnsigned", [ctypes.c_void_p], ctypes.c_ulonglong)
    _bind(lib, "clang_EvalResult_getAsDouble", [ctypes.c_void_p], ctypes.c_double)
    _bind(lib, "clang_EvalResult_dispose", [ctypes.c_void_p], None)
    return ci


def _bind(lib, name: str, argtypes, restype, errcheck=None) -> None:
    function = getattr(lib, name)
    function.argtypes = argtypes
    function.restype = restype
    if errcheck is not None:
        function.errcheck = errcheck


_here_lock = threading.Lock()
_here = {"parses": 0, "owned": False}


@contextmanager
def parse_here():
    """While active, libclang parses on the calling thread instead of a thread of its own.

    libclang parses on a new thread with an 8 MB stack, where deep code (a macro that expands to a
    long sum) overflows the stack: a segfault. It reads ``LIBCLANG_NOTHREADS`` from the environment
    at each parse; set, it parses on the caller's thread, which in porter is
    :func:`porter.limits.run_deep`'s deep one. The variable is set only while parses run (and
    left alone when the user set it), so it does not stay in the environment other programs see.
    """
    with _here_lock:
        if _here["parses"] == 0:
            _here["owned"] = "LIBCLANG_NOTHREADS" not in os.environ
            if _here["owned"]:
                os.environ["LIBCLANG_NOTHREADS"] = "1"
        _here["parses"] += 1
    try:
        yield
    finally:
        with _here_lock:
            _here["parses"] -= 1
            if _here["parses"] == 0 and _here["owned"]:
                os.environ.pop("LIBCLANG_NOTHREADS", None)
                _here["owned"] = False


@cache
def index():
    import atexit

    # free it while clang.cindex is still loaded (at interpreter exit its globals are gone)
    atexit.register(index.cache_clear)
    return cindex().Index.create()


#: clang's UnaryOperatorKind values (clang-c/Index.h, CXUnaryOperatorKind).
UNARY_KINDS = {1: "post++", 2: "post--", 3: "pre++", 4: "pre--", 5: "&", 6: "*", 7: "+", 8: "-",
               9: "~", 10: "!"}


def binary_op(cursor) -> str:
    lib = cindex().conf.lib
    return lib.clang_getBinaryOperatorKindSpelling(lib.clang_getCursorBinaryOperatorKind(cursor))


def unary_op(cursor) -> str | None:
    return UNARY_KINDS.get(cindex().conf.lib.clang_getCursorUnaryOperatorKind(cursor))


def var_init(cursor):
    """A variable declaration's initializer expression, or None."""
    return cindex().conf.lib.clang_Cursor_getVarDeclInitializer(cursor)


def spelling_offset(location) -> tuple[str | None, int]:
    """(file name, byte offset) of ``location``'s token (libclang gives the expansion site for a
    token from a macro, so callers check that a literal is really there)."""
    ci = cindex()
    file = ci.c_object_p()
    line, column, offset = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    ci.conf.lib.clang_getSpellingLocation(location, ctypes.byref(file), ctypes.byref(line),
                                          ctypes.byref(column), ctypes.byref(offset))
    if not file:
        return None, offset.value
    name = ci.conf.lib.clang_getFileName(ci.File(file))
    return str(name), offset.value


def evaluate(cursor) -> int | float | None:
    """clang's value of a constant expression (an integer or a floating value), or None."""
    lib = cindex().conf.lib
    result = lib.clang_Cursor_Evaluate(cursor)
    if not result:
        return None
    try:
        kind = lib.clang_EvalResult_getKind(result)
        if kind == 2:  # CXEval_Float
            return lib.clang_EvalResult_getAsDouble(result)
        if kind != 1:  # CXEval_Int
            return None
        if lib.clang_EvalResult_isUnsignedInt(result):
            return lib.clang_EvalResult_getAsUnsigned(result)
        return lib.clang_EvalResult_getAsLongLong(result)
    finally:
        lib.clang_EvalResult_dispose(result)


def evaluate_int(cursor) -> int | None:
    """clang's value of an integer constant expression, or None."""
    value = evaluate(cursor)
    return value if isinstance(value, int) else None


def children(cursor) -> list:
    """``list(cursor.get_children())`` without clang.cindex's per-child assertion (two C calls a
    child: it compares each child with the null cursor, which libclang never visits)."""
    ci = cindex()
    tu = cursor._tu
    found: list = []

    def visit(child, _parent, _data) -> int:
        child._tu = tu  # the translation unit outlives its cursors, as get_children ensures
        found.append(child)
        return 1  # CXChildVisit_Continue

    ci.conf.lib.clang_visitChildren(cursor, ci.callbacks["cursor_visit"](visit), found)
    return found


def expansion(location) -> tuple[int, int, object]:
    """(:func:`file_key`, byte offset, file handle) of ``location``'s expansion (instantiation)
    site, as ``location.file`` and ``location.offset`` give them, in one C call; the key is 0 and
    the handle None outside every file."""
    ci = cindex()
    file, offset = ci.c_object_p(), ctypes.c_uint()
    ci.conf.lib.clang_getInstantiationLocation(location, ctypes.byref(file), None, None, ctypes.byref(offset))
    key = ctypes.cast(file, ctypes.c_void_p).value or 0
    return key, offset.value, (file if key else None)


def file_key(file) -> int:
    """A stable key for a libclang file handle (comparing names costs a C call each time)."""
    return ctypes.cast(file.obj, ctypes.c_void_p).value or 0


def callee_ref(cursor):
    """The DECL_REF_EXPR / OVERLOADED_DECL_REF / MEMBER_REF_EXPR naming a call's callee."""
    node = cursor
    while node is not None:
        kind = node.kind.name
        if kind in ("DECL_REF_EXPR", "OVERLOADED_DECL_REF", "MEMBER_REF_EXPR"):
            if kind == "DECL_REF_EXPR" and not node.spelling:
                inner = next(iter(node.get_children()), None)
                if inner is not None and inner.kind.name == "OVERLOADED_DECL_REF":
                    return inner
            return node
        if kind not in ("UNEXPOSED_EXPR", "PAREN_EXPR"):
            return None
        node = next(iter(node.get_children()), None)
    return None
