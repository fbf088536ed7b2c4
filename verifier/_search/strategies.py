"""Hypothesis strategies for structured instances of any spec, driven by its declared pieces.

What is drawn, in this order (so Hypothesis shrinks structure before values):

1. the spec's integer parameters (`Theorem.parameters`, capped by the search's ranges);
2. the batch size, the generator's `index`, which threshold to aim at (if any claim declares one);
3. per attempt: "structured" or "generator" mode, one `MatrixPlan` per matrix of
   `Theorem.shapes(params)` (zero, identity, signed permutation, small integers, exact rank,
   exact singular spectrum with ties/gaps/clusters/conditioning, identity blocks, sparse, or the
   spec's own), and a seed. The spec's `generate(rng, index, params)` runs with a `SteeredRNG`, so
   relations it builds survive; the plans then replace matrices by structured ones of the same shape.

Assumptions act as generators: an attempt whose instance breaks an enforced assumption is
followed by a fresh attempt (the last one keeps the spec's own distribution, which its author
made to meet them), and only then `hypothesis.reject()`. A declared threshold
(`Claim.threshold`) is aimed at by setting its parameter to the threshold (plus 0..2) when the
shapes allow it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np

from verifier._matrix import RatMatrix
from verifier._records import AssumptionResult, Claim, Instance, MatrixValue, Theorem
from verifier._search import _structured as sx
from verifier._search._choosers import Chooser, HypothesisChooser
from verifier._search._proxy import SteeredRNG

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

T = TypeVar("T")


SEED_MAX = 2**32 - 1

MatrixKind = Literal["zero", "identity", "permutation", "integers", "lowrank", "spectrum", "block", "sparse",
                     "generator"]
#: Simplest first: Hypothesis shrinks a sampled kind towards the front.
KINDS: tuple[MatrixKind, ...] = ("zero", "identity", "permutation", "integers", "lowrank", "spectrum", "block",
                                 "sparse", "generator")


@dataclass(frozen=True, slots=True)
class MatrixPlan:
    """The drawn structure of one matrix; `build_matrix` turns it into an exact matrix."""

    kind: MatrixKind
    seed: int = 0
    rank: int = 0
    pattern: sx.SpectrumPattern = "integers"
    knob: int = 1
    bound: int = 1

    def describe(self) -> str:
        if self.kind == "lowrank":
            return f"rank {self.rank} (integers)"
        if self.kind == "spectrum":
            return f"rank {self.rank}, {self.pattern} spectrum (knob {self.knob})"
        if self.kind == "block":
            return f"identity block of size {self.rank}"
        return self.kind


def build_matrix(plan: MatrixPlan, m: int, n: int, variant: int = 0) -> RatMatrix | None:
    """The m x n matrix `plan` describes (None for "generator": keep the spec's own)."""
    rng = np.random.default_rng([plan.seed, variant])
    k = plan.kind
    r = min(plan.rank, m, n)
    if k == "generator":
        return None
    if k == "zero":
        return sx.zeros(m, n)
    if k == "identity":
        return sx.identity(m, n)
    if k == "permutation":
        return sx.identity_block(m, n, min(m, n), rng, permuted=True)
    if k == "integers":
        return sx.small_integers(m, n, rng, plan.bound)
    if k == "sparse":
        return sx.small_integers(m, n, rng, plan.bound, density=0.3)
    if k == "lowrank":
        return sx.with_rank(m, n, r, rng, plan.bound)
    if k == "spectrum":
        return sx.with_spectrum(m, n, sx.spectrum(plan.pattern, r, min(m, n), plan.knob), rng)
    if k == "block":
        return sx.identity_block(m, n, max(r, 1), rng, permuted=plan.bound > 1, bound=plan.bound)
    raise ValueError(f"unknown matrix kind {k!r}")


def draw_plan(ch: Chooser, m: int, n: int, kinds: Sequence[MatrixKind] = KINDS, site: str = "") -> MatrixPlan:
    """A structure for an m x n matrix: its kind first, then the kind's few numbers."""
    kind = ch.choice(tuple(kinds), site + "kind")
    if min(m, n) == 0 and kind != "generator":  # an empty matrix has no structure (and no rank >= 1) to draw
        return MatrixPlan("zero")
    if kind in ("zero", "identity", "generator"):
        return MatrixPlan(kind)
    seed = ch.integer(0, SEED_MAX)
    if kind in ("lowrank", "spectrum", "block"):
        rank = ch.integer(0 if kind == "lowrank" else 1, min(m, n), site + "rank")
        if kind == "spectrum":
            return MatrixPlan(kind, seed, rank, ch.choice(sx.SPECTRUM_PATTERNS, site + "pattern"),
                              ch.integer(1, 10, site + "knob"))
        return MatrixPlan(kind, seed, rank, bound=ch.integer(1, 3, site + "bound"))
    return MatrixPlan(kind, seed, bound=ch.integer(1, 3, site + "bound"))


def _composite(build: Callable[[Chooser], T]) -> SearchStrategy[T]:
    from hypothesis import strategies as st

    return st.composite(lambda draw: build(HypothesisChooser(draw)))()


def matrix_plans(m: int, n: int, kinds: Sequence[MatrixKind] = KINDS) -> SearchStrategy[MatrixPlan]:
    """Hypothesis strategy: structures (`MatrixPlan`) of m x n matrices."""
    return _composite(lambda ch: draw_plan(ch, m, n, kinds))


def matrices(m: int, n: int, kinds: Sequence[MatrixKind] = KINDS[:-1]) -> SearchStrategy[RatMatrix]:
    """Hypothesis strategy: structured exact m x n matrices (any kind but "generator")."""
    kinds = tuple(k for k in kinds if k != "generator")
    return matrix_plans(m, n, kinds).map(lambda p: build_matrix(p, m, n))  # type: ignore[arg-type, return-value]


def spectra(size: int, rank: int | None = None) -> SearchStrategy[tuple[Any, ...]]:
    """Hypothesis strategy: non-increasing spectra with ties, gaps, clusters or chosen conditioning."""

    def build(ch: Chooser) -> tuple[Any, ...]:
        r = ch.integer(0, size) if rank is None else rank
        return sx.spectrum(ch.choice(sx.SPECTRUM_PATTERNS), r, size, ch.integer(1, 10))

    return _composite(build)


def parameter_ranges(thm: Theorem, caps: Mapping[str, tuple[int, int]] | None = None,
                     default_cap: int = 6) -> dict[str, tuple[int, int]]:
    """The range search draws each parameter from: the spec's range, capped for cost."""
    out = {}
    for p in thm.parameters:
        lo, hi = (caps or {}).get(p.name, (p.low, min(p.high, max(p.low, default_cap))))
        lo, hi = max(lo, p.low), min(hi, p.high)
        if lo > hi:
            raise ValueError(f"parameter {p.name}: empty search range {lo}..{hi} (the spec allows {p.low}..{p.high})")
        out[p.name] = (lo, hi)
    return out


def draw_parameters(ch: Chooser, thm: Theorem, ranges: Mapping[str, tuple[int, int]]) -> dict[str, int]:
    """The spec's parameters in declaration order; a few redraws when `thm.constraints` objects."""
    for _ in range(3):
        params = {p.name: ch.integer(*ranges[p.name], site=f"param:{p.name}") for p in thm.parameters}
        if thm.constraints is None or thm.constraints(params) is None:
            return params
    ch.reject()


def parameters(thm: Theorem, ranges: Mapping[str, tuple[int, int]]) -> SearchStrategy[dict[str, int]]:
    """Hypothesis strategy: the spec's parameters within `ranges`."""
    return _composite(lambda ch: draw_parameters(ch, thm, ranges))


@dataclass(frozen=True, slots=True)
class InstanceConfig:
    """What an instance strategy needs besides the spec.

    Args:
        enforce: assumptions an instance must meet (the others are dropped, so only measured).
        aim: claims with a declared threshold (already shifted) whose threshold may be aimed at.
        batch: most variants per drawn structure (screened together in one float batch).
        structured: allow structured matrices (False: the spec's generator, steered, only).
        steer_values: let choices set the style of the generator's arrays (small integers,
            sparse); False keeps the distribution the spec asks for (generic instances).
        max_size: largest sum of parameters to accept (searching below a counterexample found).
    """

    ranges: Mapping[str, tuple[int, int]]
    enforce: tuple[str, ...]
    aim: tuple[Claim, ...] = ()
    batch: int = 1
    structured: bool = True
    attempts: int = 3
    steer_values: bool = True
    max_size: int | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A drawn structure: its instances (variants), their assumption results, and a description."""

    params: Mapping[str, int]
    instances: tuple[Instance, ...]
    assumptions: tuple[Mapping[str, AssumptionResult], ...]
    description: str
    notes: tuple[str, ...] = field(default_factory=tuple)


def check_assumptions(thm: Theorem, inst: Instance, enforce: Sequence[str]) -> tuple[dict[str, AssumptionResult], bool]:
    """Every assumption's result; stops early (False) at the first enforced one that does not hold."""
    out: dict[str, AssumptionResult] = {}
    for a in sorted(thm.assumptions, key=lambda a: a.name not in enforce):  # enforced first: fail fast
        try:
            res = a.check(inst)
        except Exception as e:  # a spec's check may fail on odd instances: not a verdict
            res = AssumptionResult("inconclusive", "float", f"check raised {type(e).__name__}: {e}")
        out[a.name] = res
        if a.name in enforce and res.status != "holds":
            return out, False
    return out, True


def _slots(shapes: Mapping[str, Any]) -> list[tuple[str, int | None, tuple[int, int]]]:
    """Every matrix of an instance: (name, position in its list or None, shape)."""
    out: list[tuple[str, int | None, tuple[int, int]]] = []
    for name, shape in shapes.items():
        if isinstance(shape, list):
            out += [(name, k, tuple(s)) for k, s in enumerate(shape)]  # type: ignore[misc]
        else:
            out.append((name, None, tuple(shape)))
    return out


def draw_plans(ch: Chooser, shapes: Mapping[str, Any]) -> list[MatrixPlan]:
    """One plan per matrix slot (in `_slots` order). A list of same-shaped matrices (the layers)
    often shares one structure: drawn once, each layer with its own seed."""
    out: list[MatrixPlan] = []
    for name, shape in shapes.items():
        if not isinstance(shape, list):
            out.append(draw_plan(ch, *shape, site=f"plan:{name}:"))
        elif shape and len({tuple(x) for x in shape}) == 1 and ch.choice((True, False), f"shared:{name}"):
            p = draw_plan(ch, *shape[0], site=f"plan:{name}[*]:")
            out += [replace(p, seed=(p.seed + k) % (SEED_MAX + 1)) for k in range(len(shape))]
        else:
            out += [draw_plan(ch, *x, site=f"plan:{name}[{k}]:") for k, x in enumerate(shape)]
    return out


def _apply(base: Instance, plans: Sequence[MatrixPlan], slots: Sequence[tuple[str, int | None, tuple[int, int]]],
           only: int | None, variant: int) -> Instance:
    """`base` with the planned matrices in place (all of them, or only slot `only`)."""
    mats: dict[str, Any] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in base.matrices.items()}
    for i, ((name, k, (m, n)), plan) in enumerate(zip(slots, plans, strict=True)):
        if only is not None and i != only:
            continue
        x = build_matrix(plan, m, n, variant)
        if x is None:
            continue
        if k is None:
            mats[name] = x
        else:
            mats[name][k] = x
    out: dict[str, MatrixValue] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in mats.items()}
    return replace(base, matrices=out, origin="search")


def _aim(thm: Theorem, inst: Instance, claim: Claim | None, extra: int) -> Instance:
    """Set the claim's threshold parameter to threshold(inst) + extra, where that keeps the shapes."""
    if claim is None or claim.threshold is None:
        return inst
    try:
        t = int(claim.threshold(inst)) + extra
    except Exception:  # the threshold may be undefined on an odd instance: leave it alone
        return inst
    p = next((q for q in thm.parameters if q.name == claim.threshold_param), None)
    if p is None or not p.low <= t <= p.high:
        return inst
    params = {**inst.parameters, p.name: t}
    if thm.shapes(params) != thm.shapes(inst.parameters):
        return inst
    if thm.constraints is not None and thm.constraints(params) is not None:
        return inst
    return replace(inst, parameters=params)


def _generate(thm: Theorem, rng: Any, index: int, params: Mapping[str, int], seed: int) -> Instance:
    try:
        inst = thm.generate(rng, index=index, params=dict(params))
    except Exception:  # a generator may not cope with steered values: fall back to its own rng
        inst = thm.generate(np.random.default_rng(seed), index=index, params=dict(params))
    # A spec built from another (dataclasses.replace) reuses its generator: file it under this id.
    return replace(inst, theorem=thm.id, seed=seed)


Mode = Literal["all", "one", "generator"]
#: How much of an instance is structured; simplest (all structured) first. "one" replaces a single
#: matrix, which keeps most of the spec's instance (and its assumptions) intact.
MODES: tuple[Mode, ...] = ("all", "one", "generator")


def draw_candidate(ch: Chooser, thm: Theorem, cfg: InstanceConfig) -> Candidate:
    """One drawn structure of `thm` and up to `cfg.batch` instances (variants) built from it."""
    params = draw_parameters(ch, thm, cfg.ranges)
    if cfg.max_size is not None and sum(params.values()) > cfg.max_size:
        ch.reject()
    batch = ch.integer(1, max(cfg.batch, 1), "batch")
    index = ch.integer(0, 11, "index")
    aim = ch.choice((*cfg.aim, None), "aim") if cfg.aim else None
    extra = ch.integer(0, 2, "aim+") if aim is not None else 0
    shapes = thm.shapes(params)
    slots = _slots(shapes)

    def build(rng: SteeredRNG, seed: int, mode: Mode, only: int, plans: list[MatrixPlan], variant: int) -> Instance:
        base = _generate(thm, rng, index, params, seed)
        inst = replace(base, origin="search") if mode == "generator" else \
            _apply(base, plans, slots, only if mode == "one" else None, variant)
        return _aim(thm, inst, aim, extra)

    for attempt in range(cfg.attempts):
        last = attempt == cfg.attempts - 1
        # Every attempt draws the same kinds of choices (mode, plans, slot, seed) whatever the mode,
        # so a structured attempt is never longer than a plain one and shrinking prefers it.
        mode: Mode = ch.choice(MODES, "mode") if cfg.structured and not last else "generator"
        plans = draw_plans(ch, shapes) if cfg.structured else []
        only = ch.integer(0, len(slots) - 1, "slot") if cfg.structured and slots else 0
        seed = ch.integer(0, SEED_MAX)
        rng = SteeredRNG(ch, seed, force_asked=last or not cfg.steer_values)
        inst = build(rng, seed, mode, only, plans, 0)
        res, ok = check_assumptions(thm, inst, cfg.enforce)
        if ok:
            break
    else:
        ch.reject()
    insts, results = [inst], [res]
    for j in range(1, batch):  # same choices, fresh seeds: variants screened in one float batch
        rj = SteeredRNG(None, seed + j, record=rng.record, force_asked=last or not cfg.steer_values)
        vj = build(rj, seed + j, mode, only, plans, j)
        rv, okj = check_assumptions(thm, vj, cfg.enforce)
        if okj:
            insts.append(vj)
            results.append(rv)
    desc = [", ".join(f"{k}={v}" for k, v in inst.parameters.items())]
    if mode == "generator":
        desc.append("the spec's generator" + ("" if last else " (steered)"))
    else:
        for i, ((name, k, _shape), plan) in enumerate(zip(slots, plans, strict=True)):
            if (mode == "all" or i == only) and plan.kind != "generator":
                desc.append(f"{name}{'' if k is None else f'[{k}]'}: {plan.describe()}")
    if aim is not None:
        desc.append(f"aimed at the threshold of {aim.id} (+{extra})")
    return Candidate(dict(inst.parameters), tuple(insts), tuple(results), "; ".join(desc))


def candidates(thm: Theorem, cfg: InstanceConfig) -> SearchStrategy[Candidate]:
    """Hypothesis strategy: structured candidates (instances and their assumption results) of `thm`."""
    return _composite(lambda ch: draw_candidate(ch, thm, cfg))
