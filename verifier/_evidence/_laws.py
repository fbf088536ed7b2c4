"""Laws of random inputs x, with E[...] available to claims in every arithmetic through the Context.

Each law answers moments exactly where they are rational (mean, Sigma = E[x x^T], E||x||^2,
E||M x + m||^2), and other expectations as strongly as it can, saying how:

- `FiniteLaw` (finitely many rational points, rational weights): every expectation is a finite
  sum, evaluated in the context's own arithmetic: exact in exact arithmetic.
- `BoxLaw`, `BallLaw` (uniform): polynomials exactly; E||x||^p and E||f(x) - g(x)||^p for ReLU
  networks as certified enclosures (`Enclosure`), exact when every piece integrated exactly.
- `GaussianLaw`: moments exactly; E||x|| for a centred isotropic law in closed form (certified);
  other expectations by Monte Carlo (`Estimate`: float evidence only, refused at certified/exact).

`to_ctx` turns an Enclosure into the context's number: exact arithmetic takes only exact values
(an interval raises PrecisionExhausted, so the checker reports it as undecided there), certified
arithmetic takes the interval as a ball, mp and float take its midpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

from verifier._errors import PrecisionExhausted, UsageError
from verifier._evidence._integrate import ball_volume_ratio, enclose, error_integrand, norm_integrand
from verifier._evidence._network import ReLUNet, forward
from verifier._evidence._rat import arb_to_fracs, as_matrix, frac, frac_to_arb, vector
from verifier._evidence._values import Enclosure, Estimate, exact_scalar
from verifier._matrix import RatMatrix


def _net_layers(ctx: Any, net: Any) -> tuple[Sequence[tuple[Any, Any]], bool]:
    if isinstance(net, ReLUNet):
        return net.load(ctx), net.output_relu
    layers, relu = net
    return layers, relu


class _Moments:
    """Expectations that follow from the mean and Sigma alone (every law has them exactly)."""

    def mean(self, ctx: Any) -> Any:
        raise NotImplementedError

    def second_moment(self, ctx: Any) -> Any:
        raise NotImplementedError

    def expect_sq_norm(self, ctx: Any) -> Any:
        """E||x||^2 = tr(Sigma)."""
        return ctx.trace(self.second_moment(ctx))

    def expect_affine_sq_norm(self, ctx: Any, M: Any, m: Any | None = None) -> Any:
        """E||M x + m||^2 = tr(M Sigma M^T) + 2 m^T M mu + ||m||^2 (M, m: matrices of ctx)."""
        out = ctx.trace(ctx.mm(M, self.second_moment(ctx), ctx.T(M)))
        if m is not None:
            out = out + 2 * ctx.entry(ctx.mm(ctx.T(m), M, self.mean(ctx)), 0, 0) + ctx.frobenius_sq(m)
        return out


@dataclass(frozen=True, slots=True)
class LoadedFiniteLaw(_Moments):
    """A finite law whose points are a matrix of one context (columns = points): batched in float."""

    ctx: Any
    X: Any
    weights: Any  # N x 1 matrix of ctx

    def mean(self, ctx: Any = None) -> Any:
        return self.ctx.mm(self.X, self.weights)

    def second_moment(self, ctx: Any = None) -> Any:
        c = self.ctx
        d = c.shape(self.X)[0]
        return c.mm(c.hadamard(self.X, c.mm(c.ones(d, 1), c.T(self.weights))), c.T(self.X))

    def expect_row(self, row: Any) -> Any:
        """sum_j w_j row_j for a 1 x N matrix of per-point values."""
        return self.ctx.entry(self.ctx.mm(row, self.weights), 0, 0)

    def expect(self, fn: Callable[[Any, Any], Any]) -> Any:
        """E[h(x)] where fn(ctx, X) returns the 1 x N row of h at the points."""
        return self.expect_row(fn(self.ctx, self.X))

    def _sq_cols(self, V: Any) -> Any:
        c = self.ctx
        return c.mm(c.ones(1, c.shape(V)[0]), c.square(V))

    def _norms_p(self, V: Any, p: int) -> Any:
        c = self.ctx
        sq = self._sq_cols(V)
        if p % 2 == 0:
            row = sq
            for _ in range(p // 2 - 1):
                row = c.hadamard(row, sq)
            return self.expect_row(row)
        n = c.shape(sq)[1]
        try:
            total = c.const(0)
            for j in range(n):
                s = c.entry(sq, 0, j)
                t = c.sqrt(s)
                for _ in range(p // 2):
                    t = t * s
                total = total + t * c.entry(self.weights, j, 0)
            return total
        except ArithmeticError as e:
            if isinstance(e, PrecisionExhausted):
                raise
            raise PrecisionExhausted(f"exact sum of {n} square roots is beyond the algebraic budget ({e}); "
                                     "the certified level decides") from None

    def expect_norm(self, ctx: Any = None, p: int = 1) -> Any:
        """E||x||^p."""
        return self._norms_p(self.X, _p(p))

    def expect_error(self, ctx: Any, f: Any, g: Any, p: int = 2) -> Any:
        """E||f(x) - g(x)||^p for networks f, g (ReLUNet, or (layers of ctx, output_relu))."""
        c = self.ctx
        (lf, rf), (lg, rg) = _net_layers(c, f), _net_layers(c, g)
        return self._norms_p(c.sub(forward(c, lf, self.X, rf), forward(c, lg, self.X, rg)), _p(p))


def _p(p: int) -> int:
    if not isinstance(p, int) or isinstance(p, bool) or p < 1:
        raise UsageError(f"the power p must be an integer >= 1, got {p!r}")
    return p


@dataclass(frozen=True, slots=True)
class FiniteLaw(_Moments):
    """x uniform (or weighted) on finitely many rational points: every expectation is exact.

    Args:
        points: D x N matrix whose columns are the points.
        weights: N rational probabilities summing to 1 (None: uniform).
    """

    points: RatMatrix
    weights: tuple[Fraction, ...] | None = None

    def __post_init__(self) -> None:
        n = self.points.ncols
        if self.weights is not None:
            w = self.weights
            if len(w) != n or any(v < 0 for v in w) or sum(w) != 1:
                raise UsageError(f"FiniteLaw: need {n} non-negative weights summing to 1, got {[str(v) for v in w]}")

    @classmethod
    def of_points(cls, points: Sequence[Sequence[Any]], weights: Sequence[Any] | None = None) -> FiniteLaw:
        """From a list of points (each a sequence of exact numbers)."""
        pts = [vector(p, f"points[{k}]") for k, p in enumerate(points)]
        if not pts or any(len(p) != len(pts[0]) for p in pts):
            raise UsageError("FiniteLaw: need a non-empty list of points of one dimension")
        m = as_matrix([[p[i] for p in pts] for i in range(len(pts[0]))])
        return cls(m, vector(weights, "weights") if weights is not None else None)

    @staticmethod
    def from_bound(b: Any, name: str, weights: Sequence[Any] | None = None) -> LoadedFiniteLaw:
        """The law uniform (or weighted) on the columns of the instance matrix `name` (batched in float)."""
        X = b.m(name)
        n = b.instances[0].matrices[name].ncols if name in b.instances[0].matrices else b.ctx.shape(X)[1]
        w = vector(weights) if weights is not None else (Fraction(1, n),) * n
        return LoadedFiniteLaw(b.ctx, X, b.ctx.load([RatMatrix(n, 1, w)]))

    @property
    def dim(self) -> int:
        return self.points.nrows

    def load(self, ctx: Any) -> LoadedFiniteLaw:
        n = self.points.ncols
        w = self.weights or (Fraction(1, n),) * n
        return LoadedFiniteLaw(ctx, ctx.load([self.points]), ctx.load([RatMatrix(n, 1, w)]))

    def mean(self, ctx: Any) -> Any:
        return self.load(ctx).mean()

    def second_moment(self, ctx: Any) -> Any:
        return self.load(ctx).second_moment()

    def expect(self, ctx: Any, fn: Callable[[Any, Any], Any]) -> Any:
        return self.load(ctx).expect(fn)

    def expect_norm(self, ctx: Any, p: int = 1) -> Any:
        return self.load(ctx).expect_norm(p=p)

    def expect_error(self, ctx: Any, f: Any, g: Any, p: int = 2) -> Any:
        return self.load(ctx).expect_error(ctx, f, g, p)


@dataclass(frozen=True, slots=True)
class Resolution:
    """How hard to work on enclosures: at most `max_boxes` sub-boxes, stopping at width `tol`."""

    max_boxes: int = 4000
    tol: Fraction = Fraction(1, 10**6)


@dataclass(frozen=True, slots=True)
class BoxLaw(_Moments):
    """x uniform on the box [lo, hi] (exact rational corners)."""

    lo: tuple[Fraction, ...]
    hi: tuple[Fraction, ...]
    resolution: Resolution = field(default_factory=Resolution)

    @classmethod
    def of(cls, lo: Sequence[Any], hi: Sequence[Any], resolution: Resolution | None = None) -> BoxLaw:
        lv, hv = vector(lo, "lo"), vector(hi, "hi")
        if len(lv) != len(hv) or any(a >= b for a, b in zip(lv, hv, strict=True)):
            raise UsageError("BoxLaw: need lo < hi in every coordinate, with as many coordinates in each")
        return cls(lv, hv, resolution or Resolution())

    @property
    def dim(self) -> int:
        return len(self.lo)

    def moment(self, alpha: Sequence[int]) -> Fraction:
        """E[prod_i x_i^alpha_i], exactly."""
        out = Fraction(1)
        for a, b, k in zip(self.lo, self.hi, alpha, strict=True):
            out *= (b ** (k + 1) - a ** (k + 1)) / ((k + 1) * (b - a))
        return out

    def expect_poly(self, ctx: Any, poly: Mapping[tuple[int, ...], Any]) -> Any:
        """E[sum_alpha c_alpha x^alpha] (a polynomial as {exponents: coefficient}), exactly."""
        return exact_scalar(ctx, sum((frac(c) * self.moment(a) for a, c in poly.items()), Fraction(0)))

    def mean_exact(self) -> RatMatrix:
        return RatMatrix(self.dim, 1, tuple((a + b) / 2 for a, b in zip(self.lo, self.hi, strict=True)))

    def sigma_exact(self) -> RatMatrix:
        d = self.dim
        mu = self.mean_exact().entries
        ent = [self.moment([2 if k == i else 0 for k in range(d)]) if i == j else mu[i] * mu[j]
               for i in range(d) for j in range(d)]
        return RatMatrix(d, d, tuple(ent))

    def mean(self, ctx: Any) -> Any:
        return ctx.load([self.mean_exact()])

    def second_moment(self, ctx: Any) -> Any:
        return ctx.load([self.sigma_exact()])

    def norm_enclosure(self, p: int = 1) -> Enclosure:
        """E||x||^p, certified (exact for even p); cached."""
        return _box_norm(self, _p(p))

    def expect_norm(self, ctx: Any, p: int = 1) -> Any:
        return self.norm_enclosure(p).to_ctx(ctx)

    def error_enclosure(self, f: ReLUNet, g: ReLUNet, p: int = 2) -> Enclosure:
        """E||f(x) - g(x)||^p (p = 1, 2 tightly; other p by interval bounds), certified; cached."""
        return _box_error(self, f, g, _p(p))

    def expect_error(self, ctx: Any, f: ReLUNet, g: ReLUNet, p: int = 2) -> Any:
        return self.error_enclosure(f, g, p).to_ctx(ctx)


@lru_cache(maxsize=64)
def _box_norm(law: BoxLaw, p: int) -> Enclosure:
    lo, hi, n = enclose(norm_integrand(p), law.lo, law.hi, law.resolution.max_boxes, law.resolution.tol)
    return Enclosure(lo, hi, f"adaptive exact subdivision of the box, {n} boxes")


@lru_cache(maxsize=64)
def _box_error(law: BoxLaw, f: ReLUNet, g: ReLUNet, p: int) -> Enclosure:
    lo, hi, n = enclose(error_integrand(f, g, p), law.lo, law.hi, law.resolution.max_boxes, law.resolution.tol)
    return Enclosure(lo, hi, f"adaptive exact subdivision of the box ({n} boxes; exact where both networks are "
                             "affine on a box)")


@dataclass(frozen=True, slots=True)
class BallLaw(_Moments):
    """x uniform on the Euclidean ball of rational centre and radius."""

    center: tuple[Fraction, ...]
    radius: Fraction
    resolution: Resolution = field(default_factory=Resolution)

    @classmethod
    def of(cls, center: Sequence[Any], radius: Any, resolution: Resolution | None = None) -> BallLaw:
        r = frac(radius, "radius")
        if r <= 0:
            raise UsageError(f"BallLaw: the radius must be > 0, got {r}")
        return cls(vector(center, "center"), r, resolution or Resolution())

    @property
    def dim(self) -> int:
        return len(self.center)

    def mean(self, ctx: Any) -> Any:
        return ctx.load([RatMatrix(self.dim, 1, self.center)])

    def sigma_exact(self) -> RatMatrix:
        """c c^T + r^2 / (D + 2) I."""
        d, c, r = self.dim, self.center, self.radius
        return RatMatrix(d, d, tuple(c[i] * c[j] + (r * r / (d + 2) if i == j else 0)
                                     for i in range(d) for j in range(d)))

    def second_moment(self, ctx: Any) -> Any:
        return ctx.load([self.sigma_exact()])

    def _box(self) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
        return tuple(c - self.radius for c in self.center), tuple(c + self.radius for c in self.center)

    def _enclose(self, h: Any, what: str) -> Enclosure:
        lo, hi = self._box()
        a, b, n = enclose(h, lo, hi, self.resolution.max_boxes, self.resolution.tol, ball=(self.center, self.radius))
        ratio = ball_volume_ratio(self.dim, self.radius)
        from verifier._evidence._integrate import PREC, working_prec

        with working_prec(PREC):
            lo_b = frac_to_arb(a) * ratio
            hi_b = frac_to_arb(b) * ratio
        return Enclosure(arb_to_fracs(lo_b)[0], arb_to_fracs(hi_b)[1],
                         f"{what}: subdivision of the bounding box ({n} boxes), certified ball volume")

    def norm_enclosure(self, p: int = 1) -> Enclosure:
        d, r = self.dim, self.radius
        if all(c == 0 for c in self.center):
            v = r ** _p(p) * Fraction(d, d + p)  # E||x||^p = r^p D / (D + p) for the centred ball
            return Enclosure(v, v, "closed form r^p D / (D + p)")
        return self._enclose(norm_integrand(_p(p)), "E||x||^p")

    def expect_norm(self, ctx: Any, p: int = 1) -> Any:
        return self.norm_enclosure(p).to_ctx(ctx)

    def error_enclosure(self, f: ReLUNet, g: ReLUNet, p: int = 2) -> Enclosure:
        return self._enclose(error_integrand(f, g, _p(p)), "E||f(x) - g(x)||^p")

    def expect_error(self, ctx: Any, f: ReLUNet, g: ReLUNet, p: int = 2) -> Any:
        return self.error_enclosure(f, g, p).to_ctx(ctx)


@dataclass(frozen=True, slots=True)
class GaussianLaw(_Moments):
    """x ~ N(mean, cov) with rational mean and covariance."""

    mu: RatMatrix
    cov: RatMatrix
    samples: int = 20_000
    seed: int = 0

    @classmethod
    def standard(cls, dim: int, scale: Any = 1, samples: int = 20_000, seed: int = 0) -> GaussianLaw:
        """N(0, scale * I)."""
        s = frac(scale, "scale")
        return cls(RatMatrix(dim, 1, (Fraction(0),) * dim),
                   RatMatrix(dim, dim, tuple(s if i == j else Fraction(0) for i in range(dim) for j in range(dim))),
                   samples, seed)

    @property
    def dim(self) -> int:
        return self.mu.nrows

    def mean(self, ctx: Any) -> Any:
        return ctx.load([self.mu])

    def second_moment(self, ctx: Any) -> Any:
        return ctx.load([self.cov + self.mu @ RatMatrix(1, self.dim, self.mu.entries)])

    def _isotropic(self) -> Fraction | None:
        d, c = self.dim, self.cov.entries
        if any(self.mu.entries) or any(c[i * d + j] != (c[0] if i == j else 0) for i in range(d) for j in range(d)):
            return None
        return c[0]

    def norm_enclosure(self, p: int = 1) -> Enclosure | Estimate:
        """E||x||^p: closed form sqrt(2 s)^p Gamma((D + p)/2) / Gamma(D/2) for N(0, s I), else Monte Carlo."""
        s = self._isotropic()
        if s is None:
            import numpy as np

            return self._mc(lambda x: np.linalg.norm(x, axis=1) ** _p(p))
        from flint import arb

        from verifier._evidence._integrate import PREC, working_prec

        with working_prec(PREC):
            d = arb(self.dim)
            v = (2 * frac_to_arb(s)).sqrt() ** _p(p) * ((d + p) / 2).gamma() / (d / 2).gamma()
        lo, hi = arb_to_fracs(v)
        if p % 2 == 0:  # even moments are rational: E||x||^2k = s^k D (D + 2) ... (D + 2k - 2)
            exact = s ** (p // 2)
            for k in range(p // 2):
                exact *= self.dim + 2 * k
            return Enclosure(exact, exact, "closed form (even moment of a centred isotropic Gaussian)")
        return Enclosure(lo, hi, "closed form sqrt(2s)^p Gamma((D+p)/2) / Gamma(D/2), certified")

    def expect_norm(self, ctx: Any, p: int = 1) -> Any:
        return self.norm_enclosure(p).to_ctx(ctx)

    def _mc(self, h: Callable[[Any], Any]) -> Estimate:
        import numpy as np

        rng = np.random.default_rng(self.seed)
        x = rng.multivariate_normal(self.mu.to_numpy().ravel(), self.cov.to_numpy(), size=self.samples)
        v = h(x)
        return Estimate(float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v))), self.samples, self.seed)

    def error_estimate(self, f: ReLUNet, g: ReLUNet, p: int = 2) -> Estimate:
        """Monte Carlo E||f(x) - g(x)||^p (float evidence: no closed form for networks)."""
        import numpy as np

        def run(net: ReLUNet, x: Any) -> Any:
            z = x.T
            for k, (w, b) in enumerate(net.layers):
                z = w.to_numpy() @ z + b.to_numpy()
                if net.rectified(k):
                    z = np.maximum(z, 0)
            return z

        return self._mc(lambda x: np.linalg.norm(run(f, x) - run(g, x), axis=0) ** _p(p))

    def expect_error(self, ctx: Any, f: ReLUNet, g: ReLUNet, p: int = 2) -> Any:
        return self.error_estimate(f, g, p).to_ctx(ctx)



__all__ = ["BallLaw", "BoxLaw", "FiniteLaw", "GaussianLaw", "LoadedFiniteLaw", "Resolution"]
