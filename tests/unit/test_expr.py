"""The `@forall`/`@exists` expression language: arithmetic through the context, labels, and ties
that the certified level decides exactly because scalar arithmetic keeps exact values."""

from __future__ import annotations

from fractions import Fraction

import pytest

from verifier import CheckSettings, Instance, Parameter, RatMatrix, Source, Theorem, check_theorem, exists, forall

USER = Source(citation="test", kind="user")


def theorem(*claims, shapes=None, **kw):
    return Theorem(id="T", title="t", statement="s", source=USER, parameters=(Parameter("n", low=1, high=3),),
                   shapes=shapes or {"A": ("n", "n"), "B": ("n", "n")}, claims=tuple(claims), **kw)


def instance(**mats: list[list[int | str]]) -> Instance:
    ms = {k: RatMatrix.from_rows(v) for k, v in mats.items()}
    return Instance("T", {"n": next(iter(ms.values())).nrows}, ms)


def verdict(thm: Theorem, inst: Instance, level: str = "certified"):
    return check_theorem(thm, CheckSettings(level=level), [inst]).claims


A = [[2, 1], [0, 1]]
ZERO = [[0, 0], [0, 0]]


@pytest.mark.parametrize("level", ["certified", "exact"])
def test_a_tie_through_scalar_sums_is_decided_exactly(level: str) -> None:
    # s_1(A + 0) <= s_1(A) + s_1(0) is an equality: balls alone leave it undecided.
    @forall("weyl", "s", levels=("float", "certified", "exact"))
    def weyl(x):
        return x.sv(x.A + x.B, 1) <= x.sv(x.A, 1) + x.sv(x.B, 1)

    (c,) = verdict(theorem(weyl), instance(A=A, B=ZERO), level)
    assert (c.status, c.evidence) == ("holds", "exact"), c.notes


def test_products_and_powers_of_scalars_keep_exact_values() -> None:
    @forall("sq", "s", levels=("certified",))
    def sq(x):
        return [x.sv(x.A, 1) ** 2 == x.sv(x.A, 1) * x.sv(x.A, 1), x.norm2(x.A @ x.B) <= x.norm2(x.A) * x.norm2(x.B)]

    (c,) = verdict(theorem(sq), instance(A=A, B=[[1, 0], [0, 1]]))
    assert (c.status, c.evidence) == ("holds", "exact"), c.notes


def test_sum_starts_from_zero_without_changing_the_label_and_works_for_matrices() -> None:
    seen = {}

    @forall("s", "s", levels=("float", "certified", "exact"))
    def s(x):
        total = sum(x.sv(x.A, i) ** 2 for i in (1, 2))
        seen["label"] = total.text
        return [x.fro(x.A) == x.sqrt(total), x.fro(sum([x.A, x.B]) - 2 * x.A) == 0]

    for level in ("exact", "certified", "float"):
        (c,) = verdict(theorem(s), instance(A=A, B=A), level)
        assert c.status == "holds", (level, c.notes)
    assert seen["label"] == "s_1(A)^2 + s_2(A)^2"


def test_min_max_abs_and_indexing() -> None:
    @forall("m", "s", levels=("float", "certified", "exact"))
    def m(x):
        return [x.rank(x.A @ x.B) <= x.min(x.rank(x.A), x.rank(x.B)),
                x.max(x.sv(x.A, 1), x.sv(x.B, 1)) >= x.sv(x.B, 1),
                abs(x.A[0, 1] - x.A[1, 1] * 3) == 2,
                x.fro(x.A[:, 1:]) == x.sqrt(2),
                x.tr(x.A[0:1, :] @ x.A[:, 0:1]) == 4]

    for level in ("exact", "certified", "float"):
        (c,) = verdict(theorem(m), instance(A=A, B=[[0, 1], [0, 0]]), level)
        assert c.status == "holds", (level, c.notes)


def test_labels_read_like_the_expression() -> None:
    labels = []

    @forall("l", "s", levels=("exact",))
    def lab(x):
        r = x.norm2(x.A - x.B) >= x.sv(x.A, x.n)
        labels.append(r.label)
        return [r, r.named("renamed")]

    (c,) = verdict(theorem(lab), instance(A=A, B=ZERO), "exact")
    assert c.status == "holds"
    assert labels[0] == "||A - B||_2 >= s_2(A)"


def test_approx_allows_the_witness_tolerance_of_the_arithmetic() -> None:
    @exists("lr", "s", levels=("float", "certified"))
    def lr(x):
        return (x.norm2(x.A - x.lowrank(x.A, 1)) <= x.sv(x.A, 2)).approx(x.norm2(x.A))

    (c,) = verdict(theorem(lr), instance(A=A, B=ZERO))
    assert c.status == "holds" and c.evidence == "certified" and c.tolerance is not None


def test_construction_fields_and_a_missing_construction_are_named() -> None:
    @forall("c", "s", levels=("exact",))
    def uses_c(x):
        return x.c.E >= 0

    (c,) = verdict(theorem(uses_c), instance(A=A, B=ZERO), "exact")
    assert c.status == "error" and "has no construction" in c.notes[0]


def test_strict_comparisons_and_bool_are_refused() -> None:
    @forall("lt", "s", levels=("exact",))
    def lt(x):
        return x.sv(x.A, 1) < 3

    (c,) = verdict(theorem(lt), instance(A=A, B=ZERO), "exact")
    assert c.status == "error" and "strict <" in c.notes[0]

    @forall("b", "s", levels=("exact",))
    def as_bool(x):
        return [x.sv(x.A, 1) <= 3] if x.sv(x.A, 1) <= 3 else []

    (c,) = verdict(theorem(as_bool), instance(A=A, B=ZERO), "exact")
    assert c.status == "error" and "not a bool" in c.notes[0]


def test_scalar_arithmetic_with_python_numbers() -> None:
    @forall("num", "s", levels=("float", "certified", "exact"))
    def num(x):
        t = x.tr(x.A)
        return [1 + t - 1 == t, 2 * t / 2 == t, 3 - t == -(t - 3), t * Fraction(1, 3) <= t, -t <= 0.5 * t]

    for level in ("exact", "certified", "float"):
        (c,) = verdict(theorem(num), instance(A=A, B=ZERO), level)
        assert c.status == "holds", (level, c.notes)
