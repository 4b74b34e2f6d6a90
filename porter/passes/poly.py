"""Integer polynomials over symbolic atoms: the index arithmetic the analyses reason about.

An atom is a name: a built-in index (``threadIdx.x``, ``blockIdx.x``, ``blockDim.x``...), a
parameter (``n``), a uniform variable that is not expanded (a loop counter ``k``), or the
printed text of a uniform sub-expression the algebra does not model (``(n / 2)``).
``blockIdx.x * blockDim.x + threadIdx.x`` is ``{(blockDim.x, blockIdx.x): 1, (threadIdx.x,): 1}``.

A polynomial is *affine in the thread index* when each monomial holds at most one
``threadIdx`` atom, to the first power; then :func:`split` gives the base (the part without
thread atoms) and the stride of each thread dimension.
"""

from __future__ import annotations

from dataclasses import dataclass

THREAD_ATOMS = ("threadIdx.x", "threadIdx.y", "threadIdx.z")

Monomial = tuple[str, ...]  # sorted atom names; () is the constant term


@dataclass(frozen=True)
class Poly:
    terms: tuple[tuple[Monomial, int], ...]  # sorted, no zero coefficients

    @staticmethod
    def of(mapping: dict[Monomial, int]) -> Poly:
        return Poly(tuple(sorted((m, c) for m, c in mapping.items() if c != 0)))

    @staticmethod
    def const(value: int) -> Poly:
        return Poly.of({(): value})

    @staticmethod
    def atom(name: str) -> Poly:
        return Poly.of({(name,): 1})

    def as_dict(self) -> dict[Monomial, int]:
        return dict(self.terms)

    def __add__(self, other: Poly) -> Poly:
        out = self.as_dict()
        for m, c in other.terms:
            out[m] = out.get(m, 0) + c
        return Poly.of(out)

    def __neg__(self) -> Poly:
        return Poly.of({m: -c for m, c in self.terms})

    def __sub__(self, other: Poly) -> Poly:
        return self + (-other)

    def __mul__(self, other: Poly) -> Poly:
        out: dict[Monomial, int] = {}
        for ma, ca in self.terms:
            for mb, cb in other.terms:
                m = tuple(sorted(ma + mb))
                out[m] = out.get(m, 0) + ca * cb
        return Poly.of(out)

    def scale(self, factor: int) -> Poly:
        return Poly.of({m: c * factor for m, c in self.terms})

    @property
    def is_const(self) -> bool:
        return all(not m for m, _ in self.terms)

    @property
    def const_value(self) -> int | None:
        if not self.is_const:
            return None
        return self.terms[0][1] if self.terms else 0

    def atoms(self) -> set[str]:
        return {a for m, _ in self.terms for a in m}

    def exact_div(self, divisor: int) -> Poly | None:
        """``self / divisor`` when every coefficient divides evenly, else None."""
        if divisor == 0 or any(c % divisor for _, c in self.terms):
            return None
        return Poly.of({m: c // divisor for m, c in self.terms})

    def __str__(self) -> str:
        if not self.terms:
            return "0"
        parts = []
        for m, c in sorted(self.terms, key=_order):
            body = "*".join(m)
            if not m:
                text = str(abs(c))
            elif abs(c) == 1:
                text = body
            else:
                text = f"{abs(c)}*{body}"
            sign = "-" if c < 0 else "+"
            parts.append((sign, text))
        first_sign, first = parts[0]
        out = ("-" if first_sign == "-" else "") + first
        for sign, text in parts[1:]:
            out += f" {sign} {text}"
        return out


def _order(term: tuple[Monomial, int]) -> tuple:
    monomial, _ = term
    has_thread = any(a in THREAD_ATOMS for a in monomial)
    return (not monomial, has_thread, monomial)


ZERO = Poly.const(0)
ONE = Poly.const(1)


def is_affine(p: Poly) -> bool:
    """At most one thread atom per monomial, of degree one."""
    for monomial, _ in p.terms:
        if sum(1 for a in monomial if a in THREAD_ATOMS) > 1:
            return False
    return True


def split(p: Poly) -> tuple[Poly, dict[str, Poly]]:
    """(base, {"x": stride, ...}) of an affine polynomial."""
    base: dict[Monomial, int] = {}
    strides: dict[str, dict[Monomial, int]] = {}
    for monomial, coeff in p.terms:
        thread = [a for a in monomial if a in THREAD_ATOMS]
        if not thread:
            base[monomial] = coeff
            continue
        rest = list(monomial)
        rest.remove(thread[0])
        dim = thread[0][-1]
        strides.setdefault(dim, {})[tuple(rest)] = coeff
    return Poly.of(base), {d: Poly.of(s) for d, s in sorted(strides.items())}


def depends_on_thread(p: Poly) -> bool:
    return any(a in THREAD_ATOMS for a in p.atoms())
