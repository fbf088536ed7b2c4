"""Floating point with PyTorch: float64 down to bfloat16, CPU or CUDA, batched over instances.

Low-precision dtypes (bfloat16, float16) are stored and multiplied in that dtype; operations
torch does not offer for them (inverse, SVD) run in float32 and are rounded back, which
`describe()` records. TF32 is used only when asked for, and then reported.

The error model of a float decision (`decide`), stated once: a value computed from the instance's
matrices by products, sums and backward-stable factorisations carries at most n roundings per
entry along its longest chain, where n is the instance's total dimension (the sum of rows + cols
over its matrices, data and aux; `chain_length`). With u the unit roundoff of the dtype (of TF32,
2^-11, when TF32 products are on), its error is at most gamma_n (|lhs| + |rhs| + |scale|) with
gamma_n = n u / (1 - n u) (Higham, Accuracy and Stability, 3.1), `scale` being the spec's declared
size of the quantities the comparison was computed from. A comparison holds when its margin is at
least minus that slack (plus the comparison's own `tol`); a claim false by more than the slack fails
the screen and is escalated. Where n u >= 1/2 the dtype cannot tell anything (status "unknown");
low-precision dtypes (and TF32) are `screen_only`: the checker re-decides their passes and failures
alike before any verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import torch

from verifier._backends._base import Context, Decision, chain_length
from verifier._errors import BackendUnavailable, InstanceError, UsageError
from verifier._matrix import RatMatrix
from verifier._records import Comparison

DType = Literal["float64", "float32", "bfloat16", "float16"]
DTYPES: dict[str, torch.dtype] = {
    "float64": torch.float64,
    "float32": torch.float32,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
}


def cuda_available() -> bool:
    return torch.cuda.is_available()


class FloatContext(Context):
    """Batched float arithmetic: every matrix is a tensor of shape (batch, m, n)."""

    level = "float"
    name = "float"
    batched = True

    def __init__(self, dtype: str = "float64", device: str = "cpu", tf32: bool = False) -> None:
        if dtype not in DTYPES:
            raise UsageError(f"unknown float dtype {dtype!r}; expected one of {sorted(DTYPES)}")
        if device not in ("cpu", "cuda"):
            raise UsageError(f"unknown device {device!r}; expected 'cpu' or 'cuda'")
        if device == "cuda" and not cuda_available():
            raise BackendUnavailable("--device cuda was asked for but no CUDA device is available here")
        if tf32 and dtype != "float32":
            raise UsageError("TF32 applies only to float32 matrix products; use --dtype float32 with --tf32")
        self.dtype_name = dtype
        self.dtype = DTYPES[dtype]
        self.device = torch.device(device)
        self.tf32 = tf32
        self.compute = self.dtype if dtype in ("float64", "float32") else torch.float32
        tf32_on = tf32 and self.device.type == "cuda"
        #: unit roundoff of what rounds the results: the dtype, or TF32's 10-bit mantissa in products
        self.unit_roundoff = 2.0**-11 if tf32_on else float(torch.finfo(self.dtype).eps) / 2
        #: low precision is a screen only: neither its passes nor its failures are verdicts
        self.screen_only = dtype in ("bfloat16", "float16") or tf32_on
        self.chain = 1

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "level": self.level,
            "dtype": self.dtype_name,
            "device": str(self.device),
            "tf32": self.tf32,
        }
        if self.device.type == "cuda":
            d["device_name"] = torch.cuda.get_device_name(self.device)
        if self.compute != self.dtype:
            d["note"] = "inverse and SVD computed in float32 and rounded to " + self.dtype_name
        if self.svd_driver is not None:
            d["svd_driver"] = self.svd_driver
        return d

    def bind(self, instances: Sequence[Any]) -> Any:
        self.chain = chain_length(instances[0])
        return super().bind(instances)

    def session(self) -> Any:
        return _Session(self.tf32 and self.device.type == "cuda", self.device.type == "cpu")

    @property
    def eps(self) -> float:
        return float(torch.finfo(self.dtype).eps)

    def load(self, mats: Sequence[RatMatrix]) -> torch.Tensor:
        arr = np.stack([m.to_numpy() for m in mats])
        return torch.from_numpy(arr).to(device=self.device, dtype=self.dtype)

    def _lowp(self, t: torch.Tensor) -> torch.Tensor:
        return t.to(self.dtype)

    def mm(self, *ms: Any) -> Any:
        out = ms[0]
        for m in ms[1:]:
            out = torch.matmul(out, m)
        return out

    def add(self, a: Any, b: Any) -> Any:
        return a + b

    def sub(self, a: Any, b: Any) -> Any:
        return a - b

    def T(self, a: Any) -> Any:
        return a.transpose(-1, -2)

    def inv(self, a: torch.Tensor) -> torch.Tensor:
        try:
            return self._lowp(torch.linalg.inv(a.to(self.compute)))
        except torch.linalg.LinAlgError as e:  # a singular matrix: the construction is undefined here
            raise InstanceError(f"construction needs the inverse of a (numerically) singular matrix: {e}") from None

    def solve(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        try:
            return self._lowp(torch.linalg.solve(a.to(self.compute), b.to(self.compute)))
        except torch.linalg.LinAlgError as e:
            raise InstanceError(f"construction needs to solve with a (numerically) singular matrix: {e}") from None

    def eye(self, n: int) -> torch.Tensor:
        return torch.eye(n, dtype=self.dtype, device=self.device)

    def zeros(self, m: int, n: int) -> torch.Tensor:
        return torch.zeros(m, n, dtype=self.dtype, device=self.device)

    def cols(self, a: Any, start: int, stop: int) -> Any:
        return a[..., :, start:stop]

    def rows(self, a: Any, start: int, stop: int) -> Any:
        return a[..., start:stop, :]

    def shape(self, a: Any) -> tuple[int, int]:
        return (a.shape[-2], a.shape[-1])

    def scale(self, a: Any, c: Any) -> Any:
        return a * (float(c) if not isinstance(c, torch.Tensor) else c.reshape(*c.shape, *([1] * 2)))

    def entry(self, a: torch.Tensor, i: int, j: int) -> torch.Tensor:
        return a[..., i, j]

    def hadamard(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a * b

    def const(self, x: Any) -> float:
        return float(x)

    def sqrt(self, x: Any) -> Any:
        return torch.sqrt(torch.clamp(torch.as_tensor(x, dtype=self.compute, device=self.device), min=0))

    def smin(self, a: Any, b: Any) -> Any:
        return torch.minimum(torch.as_tensor(a, dtype=self.compute), torch.as_tensor(b, dtype=self.compute))

    def smax(self, a: Any, b: Any) -> Any:
        return torch.maximum(torch.as_tensor(a, dtype=self.compute), torch.as_tensor(b, dtype=self.compute))

    def abs(self, x: Any) -> Any:
        return torch.as_tensor(x).abs()

    def sum_entries(self, a: torch.Tensor) -> torch.Tensor:
        return a.to(self.compute).sum(dim=(-2, -1))

    def trace(self, a: torch.Tensor) -> torch.Tensor:
        return torch.diagonal(a.to(self.compute), dim1=-2, dim2=-1).sum(-1)

    def frobenius(self, a: torch.Tensor) -> torch.Tensor:
        return torch.linalg.matrix_norm(a.to(self.compute), ord="fro")

    def rank(self, a: torch.Tensor) -> torch.Tensor:
        """Numerical rank per instance (float evidence): singular values above max(m, n) eps s_1."""
        return torch.linalg.matrix_rank(a.to(self.compute))

    @property
    def svd_driver(self) -> str | None:
        """cuSOLVER's batched approximate `gesvda` on CUDA (~400x the default driver on batches of
        64 x 64 on an H100, NUMERICS.md): fine for screening, whose failures are escalated anyway."""
        return "gesvda" if self.device.type == "cuda" else None

    def svd(self, a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = a.to(self.compute)
        if self.svd_driver is not None and x.shape[-2] >= x.shape[-1]:  # gesvda needs m >= n
            u, _s, vh = torch.linalg.svd(x, driver=self.svd_driver)
        else:
            u, _s, vh = torch.linalg.svd(x)
        return self._lowp(u), self._lowp(vh.transpose(-1, -2))

    def sv(self, a: torch.Tensor, i: int) -> torch.Tensor:
        m, n = a.shape[-2], a.shape[-1]
        if i > min(m, n):
            return torch.zeros(a.shape[:-2], dtype=self.compute, device=a.device)
        x = a.to(self.compute)
        if self.svd_driver is not None and m >= n:
            return torch.linalg.svdvals(x, driver=self.svd_driver)[..., i - 1]
        return torch.linalg.svdvals(x)[..., i - 1]

    def ones(self, m: int, n: int) -> torch.Tensor:
        return torch.ones(m, n, dtype=self.dtype, device=self.device)

    def relu(self, a: torch.Tensor) -> torch.Tensor:
        return torch.relu(a)

    def softmax_cols(self, a: torch.Tensor) -> torch.Tensor:
        return torch.softmax(a.to(self.compute), dim=-2).to(self.dtype)

    def maxabs(self, a: torch.Tensor) -> torch.Tensor:
        return a.to(self.compute).abs().amax(dim=(-2, -1))

    def witness_tol(self, scale: Any) -> Any:
        return 0.0 * scale

    def decide(self, cmp: Comparison) -> list[Decision]:
        # Everything is computed batched on the device; the host receives one stacked tensor (one
        # transfer per comparison, none per instance) and only builds the records from it.
        dev = self.device

        def flat(x: Any) -> torch.Tensor:
            # a Python number becomes float64 directly (torch's default float32 would round it first)
            t = x if isinstance(x, torch.Tensor) else torch.as_tensor(_float(x), dtype=torch.float64)
            return t.to(device=dev, dtype=torch.float64).reshape(-1)

        lhs, rhs, scale, tol = flat(cmp.lhs), flat(cmp.rhs), flat(cmp.scale), flat(cmp.tol)
        n = max(lhs.numel(), rhs.numel(), scale.numel(), tol.numel())
        lhs, rhs, scale, tol = lhs.expand(n), rhs.expand(n), scale.expand(n), tol.expand(n)
        # the error model: gamma_n (|lhs| + |rhs| + |scale|) with n the instance's longest chain of
        # roundings and u the dtype's unit roundoff; no absolute term (docs/writing-specs.md)
        nu = self.chain * self.unit_roundoff
        gamma = nu / (1 - nu) if nu < 0.5 else float("inf")
        slack = gamma * (lhs.abs() + rhs.abs() + scale.abs()) + tol.abs()
        diff = lhs - rhs
        margin = {"<=": -diff, ">=": diff, "==": -diff.abs()}[cmp.relation]
        host = torch.stack([lhs, rhs, margin, slack]).cpu().numpy()
        out = []
        for lv, rv, mv, sv in host.T.tolist():
            status = "unknown" if not (math.isfinite(mv) and math.isfinite(sv)) else "holds" if mv >= -sv else "fails"
            out.append(
                Decision(
                    status,  # type: ignore[arg-type]
                    f"{lv:.17g}",
                    f"{rv:.17g}",
                    None,
                    None,
                    mv,
                    f"{sv:.3g} (rounding bound gamma_{self.chain} (|lhs|+|rhs|+|scale|), u={self.unit_roundoff:.3g})",
                    lv,
                    relation=cmp.relation,
                    rhs_value=rv,
                )
            )
        return out


def _float(x: Any) -> float:
    """A Python number (int, Fraction, float) as float64; beyond its range, inf (the screen then says unknown)."""
    if x is None:
        return 0.0
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


class _Session:
    """TF32 on for a block only when asked for; one CPU thread, restoring both settings afterwards.

    The float level checks many small batched matrices: with several intra-op threads torch spends
    far more time synchronising than computing (softmax on 16 x 10 tensors took 0.4-5 ms with 2
    threads on a loaded 2-core machine, 2 us with one).
    """

    def __init__(self, tf32: bool, single_thread: bool) -> None:
        self.tf32 = tf32
        self.single_thread = single_thread
        self.old_tf32 = False
        self.old_threads = 1

    def __enter__(self) -> None:
        self.old_tf32 = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = self.tf32
        self.old_threads = torch.get_num_threads()
        if self.single_thread:
            torch.set_num_threads(1)

    def __exit__(self, *exc: object) -> None:
        torch.backends.cuda.matmul.allow_tf32 = self.old_tf32
        torch.set_num_threads(self.old_threads)
