"""compile_error (porter.backends.names) compiles a module piece by piece, keeping each piece's
verdict: it must answer exactly as compiling the whole module does."""

import pytest

from porter.backends import names
from porter.backends.names import compile_error


def whole(code: str) -> str | None:
    try:
        compile(code, "<m>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        return f"line {line}: {error.msg}" if line else str(error)
    return None


CASES = {
    "fine": "import math\n\n\ndef f(x):\n    return math.sqrt(x)\n\n\n@staticmethod\ndef g():\n    pass\n",
    "syntax error in a later piece": "def f():\n    return 1\n\n\ndef g():\n  x = \n",
    "global after use": "x = 1\n\n\ndef f():\n    pass\n\nglobal x\n",
    "late future import": "x = 1\n\n\nfrom __future__ import annotations\n",
    "piece cut inside a string": "def f():\n    '''\n\ndef g(:\n'''\n    return 1\n",
    "decorator cut from its function": "def f():\n    pass\n\n@dec\n\n\ndef g():\n    pass\n",
    "return outside function": "def f():\n    pass\n\n\nclass C:\n    pass\nreturn 1\n",
    "indented piece": "if True:\n    x = 1\n\n\ndef f():\n    pass\n    \n\n    y = 2\n",
    "null byte": "x = 1\n\n\ndef f():\n    return '\0'\n",
    "unclosed bracket": "x = (1,\n\n\ndef f():\n    pass\n",
}


@pytest.mark.parametrize("code", list(CASES.values()), ids=list(CASES))
def test_pieces_answer_as_the_whole_module(code):
    names._piece_compiles.cache_clear()
    assert compile_error(code, "<m>") == whole(code)
    assert compile_error(code, "<m>") == whole(code)  # with the pieces' verdicts kept


def test_pieces_put_back_together_are_the_module():
    code = CASES["fine"] + CASES["decorator cut from its function"]
    assert "".join(names._pieces(code)) == code
    assert len(names._pieces(code)) > 2
