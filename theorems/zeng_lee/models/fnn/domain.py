"""Bounded input domains (a box or a ball) and their enclosures through affine maps and ReLUs.

A set of inputs is enclosed by a box `center +- radius` (D x 1 columns in the context's
arithmetic). In exact arithmetic the enclosure is computed with rationals; in certified
arithmetic with balls, so every enclosure contains the true range over the whole domain. A ball
domain is enclosed by its bounding box (sound: the box contains the ball).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from theorems.zeng_lee.models.fnn.model import absolute, option
from verifier import InstanceError, RatMatrix, parse_entry


def _domain_problem(options: Mapping[str, Any], params: Mapping[str, int]) -> str | None:
    """The instance-time check of the domain options (run by the instance reader before any work)."""
    dom = domain_from_options(options, params["D"])  # raises InstanceError naming the problem
    bias_design_box(options, dom)
    return None


_DOMAIN = {"validate": _domain_problem}
DOMAIN_OPTIONS: dict[str, Any] = {
    "domain": {"type": "string", "enum": ["box", "ball"], "default": "box",
               "description": "shape of the bounded input domain X", **_DOMAIN},
    "box_lo": {"type": "number | exact string | list of D", "default": -1, "description": "lower corner of the box X",
               **_DOMAIN},
    "box_hi": {"type": "number | exact string | list of D", "default": 1, "description": "upper corner of the box X",
               **_DOMAIN},
    "ball_center": {"type": "number | exact string | list of D", "default": 0, "description": "centre of the ball X",
                    **_DOMAIN},
    "ball_radius": {"type": "number | exact string", "default": 1, "description": "radius of the ball X",
                    "exclusiveMinimum": 0, **_DOMAIN},
    "bias_box_lo": {"type": "number | exact string | list of D", "default": None,
                    "description": "lower corner of the box the constructed biases are designed for "
                                   "(default: X's bounding box)", **_DOMAIN},
    "bias_box_hi": {"type": "number | exact string | list of D", "default": None,
                    "description": "upper corner of the box the constructed biases are designed for", **_DOMAIN},
    "output_relu": {"type": "boolean", "default": True, "description": "ReLU on the output layer (both models)"},
    "samples": {"type": "integer", "default": 512, "minimum": 1, "maximum": 100_000,
                "description": "inputs of the sampled (float) check"},
    "sample_seed": {"type": "integer", "default": 0, "minimum": 0, "maximum": 2**63 - 1,
                    "description": "seed of the sampled inputs"},
}


#: The options of the specs that follow the paper's model (ReLU on the output layer; no sampled checks).
PAPER_OPTIONS: dict[str, Any] = {k: v for k, v in DOMAIN_OPTIONS.items()
                                 if k not in ("output_relu", "samples", "sample_seed")}


def _vector(raw: Any, d: int, where: str) -> tuple[Fraction, ...]:
    if isinstance(raw, list):
        if len(raw) != d:
            raise InstanceError(f"options.{where}: expected {d} entries (one per coordinate) but got {len(raw)}")
        return tuple(parse_entry(v, f"options.{where}[{k}]") for k, v in enumerate(raw))
    return (parse_entry(raw, f"options.{where}"),) * d


@dataclass(frozen=True, slots=True)
class Domain:
    """The bounded input domain X: a box [lo, hi] or a Euclidean ball (center, radius)."""

    kind: Literal["box", "ball"]
    lo: tuple[Fraction, ...]
    hi: tuple[Fraction, ...]
    center: tuple[Fraction, ...] = ()
    radius: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        if len(self.lo) != len(self.hi) or any(a >= b for a, b in zip(self.lo, self.hi, strict=True)):
            raise InstanceError(f"the box needs lo < hi in every coordinate, got lo={[str(x) for x in self.lo]}, "
                                f"hi={[str(x) for x in self.hi]}")

    @property
    def dim(self) -> int:
        return len(self.lo)

    def contains(self, x: Sequence[Fraction], strict: bool = False) -> bool:
        """Exact membership test (strict: in the interior)."""
        if self.kind == "ball":
            d2 = sum((a - c) ** 2 for a, c in zip(x, self.center, strict=True))
            return d2 < self.radius**2 if strict else d2 <= self.radius**2
        if strict:
            return all(lo < a < hi for a, lo, hi in zip(x, self.lo, self.hi, strict=True))
        return all(lo <= a <= hi for a, lo, hi in zip(x, self.lo, self.hi, strict=True))

    def describe(self) -> str:
        if self.kind == "ball":
            return f"ball(center={[str(c) for c in self.center]}, radius={self.radius})"
        if len(set(self.lo)) == 1 and len(set(self.hi)) == 1:
            return f"box [{self.lo[0]}, {self.hi[0]}]^{self.dim}"
        return f"box lo={[str(x) for x in self.lo]} hi={[str(x) for x in self.hi]}"

    def second_moment(self) -> RatMatrix:
        """E[x x^T] for x uniform on X (exact): the Sigma of R-ERR."""
        d = self.dim
        if self.kind == "ball":
            # uniform on a ball: E[u u^T] = r^2/(d+2) I for u = x - c
            vals = [self.center[i] * self.center[j] + (self.radius**2 / (d + 2) if i == j else 0)
                    for i in range(d) for j in range(d)]
            return RatMatrix(d, d, tuple(Fraction(v) for v in vals))
        mean = [(a + b) / 2 for a, b in zip(self.lo, self.hi, strict=True)]
        sq = [(a * a + a * b + b * b) / 3 for a, b in zip(self.lo, self.hi, strict=True)]
        return RatMatrix(d, d, tuple(sq[i] if i == j else mean[i] * mean[j] for i in range(d) for j in range(d)))


def domain_from_options(options: Mapping[str, Any], d: int) -> Domain:
    """The domain X an instance declares (options `domain`, `box_lo`/`box_hi` or `ball_*`)."""
    kind = option(options, "domain", "box")
    if kind == "box":
        return Domain("box", _vector(option(options, "box_lo", -1), d, "box_lo"),
                      _vector(option(options, "box_hi", 1), d, "box_hi"))
    if kind == "ball":
        c = _vector(option(options, "ball_center", 0), d, "ball_center")
        r = parse_entry(option(options, "ball_radius", 1), "options.ball_radius")
        if r <= 0:
            raise InstanceError(f"options.ball_radius must be > 0, got {r}")
        return Domain("ball", tuple(x - r for x in c), tuple(x + r for x in c), c, r)
    raise InstanceError(f"options.domain must be 'box' or 'ball', got {kind!r}")


def bias_design_box(options: Mapping[str, Any], dom: Domain) -> Domain:
    """The box the construction designs its biases for: `bias_box_lo/hi`, or X's bounding box."""
    if options.get("bias_box_lo") is None and options.get("bias_box_hi") is None:
        return Domain("box", dom.lo, dom.hi)
    d = dom.dim
    return Domain("box", _vector(option(options, "bias_box_lo", -1), d, "bias_box_lo"),
                  _vector(option(options, "bias_box_hi", 1), d, "bias_box_hi"))


def column(values: Sequence[Fraction]) -> RatMatrix:
    return RatMatrix(len(values), 1, tuple(Fraction(v) for v in values))


@dataclass(frozen=True, slots=True)
class Enclosure:
    """The box center +- radius (D x 1 columns in one arithmetic) containing a set of vectors."""

    center: Any
    radius: Any


def box_enclosure(ctx: Any, dom: Domain) -> Enclosure:
    """The domain's bounding box in the context's arithmetic (exact rationals converted once)."""
    c = column([(a + b) / 2 for a, b in zip(dom.lo, dom.hi, strict=True)])
    r = column([(b - a) / 2 for a, b in zip(dom.lo, dom.hi, strict=True)])
    return Enclosure(ctx.load([c]), ctx.load([r]))


def affine_enclosure(ctx: Any, m: Any, offset: Any, enc: Enclosure) -> Enclosure:
    """Encloses {M z + offset : z in enc}: center M c + offset, radius |M| r (exact for a box)."""
    return Enclosure(ctx.add(ctx.mm(m, enc.center), offset), ctx.mm(absolute(ctx, m), enc.radius))


def relu_enclosure(ctx: Any, enc: Enclosure) -> Enclosure:
    """Encloses ReLU of a box: [ReLU(c - r), ReLU(c + r)] (ReLU is monotone)."""
    lo = ctx.relu(ctx.sub(enc.center, enc.radius))
    hi = ctx.relu(ctx.add(enc.center, enc.radius))
    return Enclosure(ctx.scale(ctx.add(lo, hi), 0.5), ctx.scale(ctx.sub(hi, lo), 0.5))


def lower(ctx: Any, enc: Enclosure) -> Any:
    return ctx.sub(enc.center, enc.radius)


def sup_norm(ctx: Any, enc: Enclosure) -> Any:
    """An upper bound of ||z||_2 over the enclosure: || |c| + r ||_2."""
    return ctx.norm2(ctx.add(absolute(ctx, enc.center), enc.radius))


def min_entry(ctx: Any, a: Any) -> Any:
    """The smallest entry of a matrix as the context's scalar (per instance in float)."""
    if ctx.level == "float":
        return a.amin(dim=(-2, -1))
    if ctx.level == "exact":
        return min(a.entries())
    if ctx.level == "certified":
        from verifier.linalg import working_prec

        with working_prec(ctx.prec):
            ents = a.entries()
            out = ents[0]
            for x in ents[1:]:
                out = out.min(x)
            return out
    return min(a[i, j] for i in range(a.rows) for j in range(a.cols))


def sample_inputs(ctx: Any, dom: Domain, n: int, seed: int) -> Any:
    """n inputs drawn uniformly from X (fixed seed), as a D x n matrix of the context.

    The draws are float64 numbers, i.e. exact dyadic rationals, so every arithmetic sees the
    same points.
    """
    import numpy as np

    rng = np.random.default_rng([seed, 20240611])
    d = dom.dim
    if dom.kind == "box":
        lo = np.array([float(x) for x in dom.lo])[:, None]
        hi = np.array([float(x) for x in dom.hi])[:, None]
        pts = lo + (hi - lo) * rng.random((d, n))
    else:
        g = rng.standard_normal((d, n))
        g /= np.linalg.norm(g, axis=0, keepdims=True)
        rad = float(dom.radius) * rng.random(n) ** (1.0 / d) * (1 - 2.0**-40)  # stay inside after rounding
        pts = np.array([float(c) for c in dom.center])[:, None] + g * rad[None, :]
    if ctx.level == "float":
        import torch

        return torch.from_numpy(pts).to(dtype=ctx.dtype, device=ctx.device)
    return ctx.load([RatMatrix.from_numpy(pts)])
