"""Margin descent: from a promising instance, follow the gradient of a claim's margin across zero.

Sampling finds instances where a claim *nearly* fails; the failing ones may be rare (a tie in a
spectrum, an ill-conditioned product), so a sampler, guided or not, meets them only by luck.
But a claim evaluated in float arithmetic is a differentiable function of the instance's
matrices: the checker's own float back end runs on torch tensors. So, from an instance whose
closest comparison `lhs >= rhs` holds with margin `m = lhs - rhs > 0`, we take the Newton step
towards `m = 0` in the linear model, `d = -m g / |g|^2` with `g = grad m`, and try a few
multiples of it (0.5, 1.05, 1.5, 3: one float batch). Near a simple crossing Newton's method
converges quadratically, so a few steps reach a failing instance when one is near.

Nothing here decides anything: every stepped instance is a float instance written exactly (its
entries are the dyadic rationals the floats are), checked against the enforced assumptions in
exact arithmetic, and evaluated by the checker like any other candidate: a float failure is
escalated, and only a certified or exact failure counts. Only `forall` claims are descended (a
failing comparison of an `exists` claim is a construction that missed, not a refutation), only
where the claim runs in float, and never for specs whose claims hold with probability one
(`Theorem.generic_instances`): a point reached by descent need not be a generic instance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from verifier._backends import Decision
from verifier._matrix import RatMatrix
from verifier._records import Claim, Instance, Theorem
from verifier._search._engine import relative_margin
from verifier._search._simplify import flatten, unflatten

#: Multiples of the Newton step tried in one batch (1.05: just past the linear model's zero).
NEWTON_STEPS = (0.5, 1.05, 1.5, 3.0)
#: For "==" comparisons (push |lhs - rhs| up): gradient steps relative to the instance's size.
EQUALITY_STEPS = (1e-3, 1e-2, 1e-1, 1.0)


@dataclass(frozen=True, slots=True)
class Gradient:
    """The closest comparison's margin at an instance and its gradient per matrix."""

    rel: float
    margin: float
    relation: str
    claim: str
    grads: dict[str, Any]
    #: sign of lhs - rhs (for "==": the direction that grows |lhs - rhs|).
    direction: float = 1.0


def descent_claims(thm: Theorem, claims: Sequence[Claim]) -> list[Claim]:
    """The claims margin descent may follow: forall claims that run in float."""
    if thm.generic_instances:
        return []
    return [c for c in claims if c.quantifier == "forall" and "float" in c.levels]


def _tensors(v: Any) -> Any:
    import torch

    return v if isinstance(v, torch.Tensor) else torch.as_tensor(float(v), dtype=torch.float64)


def gradient(thm: Theorem, inst: Instance, claims: Sequence[Claim], device: str = "cpu") -> Gradient | None:
    """Gradient of the smallest relative margin among `claims`' comparisons at `inst` (float64).

    Returns None when no comparison depends differentiably on the matrices (ranks, discrete
    thresholds), when the spec's code cannot run on tensors that carry gradients, or when the
    gradient is not finite (e.g. singular values about to cross).
    """
    import torch

    from verifier._backends._float import FloatContext

    ctx = FloatContext("float64", device)
    try:
        with ctx.session(), torch.enable_grad():
            b = ctx.bind([inst])
            data = {**inst.matrices, **inst.aux}
            leaves = {key: ctx.load([m]).requires_grad_() for key, m in flatten(data).items()}
            b._cache.update(unflatten(data, leaves))
            cons = thm.construction(ctx, b) if thm.construction is not None else None
            best: tuple[float, Any, Any, str, str] | None = None
            for claim in claims:
                if not claim.precondition(inst):
                    continue
                for c in claim.evaluate(ctx, b, cons):
                    lhs, rhs = _tensors(c.lhs).reshape(-1)[0], _tensors(c.rhs).reshape(-1)[0]
                    if not (lhs.requires_grad or rhs.requires_grad):
                        continue
                    diff = lhs - rhs
                    m = {">=": diff, "<=": -diff, "==": -diff.abs()}[c.relation]
                    # The measure the search ranks candidates by, so a step is judged like with like.
                    rel = relative_margin(Decision("holds", "", "", margin=float(m.detach()),
                                                   lhs_value=float(lhs.detach()), rhs_value=float(rhs.detach())))
                    if rel is not None and (best is None or rel < best[0]):
                        best = (rel, m, diff, c.relation, claim.id)
            if best is None:
                return None
            rel, m, diff, relation, cid = best
            target = diff if relation == "==" else m  # "==": the direction that moves lhs - rhs
            names = list(leaves)
            grads = torch.autograd.grad(target, [leaves[n] for n in names], allow_unused=True)
    except Exception:  # the spec's code may not run on tensors that need gradients: no descent
        return None
    out = {}
    for n, g in zip(names, grads, strict=True):
        if g is not None:
            a = g.detach().cpu().numpy()[0]
            if not np.all(np.isfinite(a)):
                return None
            out[n] = a
    if not out or not any(np.any(a != 0) for a in out.values()):
        return None
    return Gradient(rel, float(m.detach()), relation, cid, out, 1.0 if float(diff.detach()) >= 0 else -1.0)


def _values(inst: Instance) -> dict[str, np.ndarray]:
    return {key: m.to_numpy() for key, m in flatten({**inst.matrices, **inst.aux}).items()}


def stepped(inst: Instance, g: Gradient) -> list[Instance]:
    """Instances one step along the descent direction, at the multiples tried in one batch."""
    x = _values(inst)
    gg = sum(float(np.sum(a * a)) for a in g.grads.values())
    if g.relation == "==":
        size = math.sqrt(sum(float(np.sum(a * a)) for a in x.values())) or 1.0
        # grow |lhs - rhs| in the direction it already has (grads are those of lhs - rhs)
        dirs = [(g.direction * t * size / math.sqrt(gg), g.grads) for t in EQUALITY_STEPS]
    else:
        dirs = [(-t * g.margin / gg, g.grads) for t in NEWTON_STEPS]
    out = []
    for coef, grads in dirs:
        moved = {n: x[n] + coef * grads[n] if n in grads else x[n] for n in x}
        if not all(np.all(np.isfinite(a)) for a in moved.values()):
            continue
        out.append(_rebuild(inst, moved))
    return out


def _rebuild(inst: Instance, values: Mapping[str, np.ndarray]) -> Instance:
    exact = {key: RatMatrix.from_numpy(a) for key, a in values.items()}
    return replace(inst, matrices=unflatten(inst.matrices, exact), aux=unflatten(inst.aux, exact), origin="search")
