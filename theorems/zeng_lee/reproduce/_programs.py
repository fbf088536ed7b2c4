"""The batched training programs of the three model families (the `Program`s of `_train.train`).

Linear and FNN runs compute their gradients by hand: a ReLU network of width 16 is so small that
autograd's bookkeeping and temporaries cost more than the arithmetic, and the written-out backward
pass saves about half the time. The linear model's minibatch loss is computed through the batch's
second moment, mean_b ||E x_b||^2 / D = tr(E S E^T) / D with S = X^T X / B: the same number as the
per-sample loss (up to rounding), for D^3 instead of B D^2 work per run. The TFN uses autograd.

Runs refer to their seed (target model, input stream, validation set) by index; every tensor
of a program lives on its device in its training dtype.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import torch

from theorems.zeng_lee.reproduce import _models as mdl

F64 = torch.float64


def _prefixes(we: torch.Tensor) -> list[torch.Tensor]:
    """prefix[l] = We[:, l-1] ... We[:, 0] for l = 1..L (prefix[L] is the whole product)."""
    out = [we[:, 0]]
    for k in range(1, we.shape[1]):
        out.append(we[:, k] @ out[-1])
    return out


def _chain_grads(we: torch.Tensor, prefix: list[torch.Tensor], g_out: torch.Tensor) -> torch.Tensor:
    """d<g_out, We_L ... We_1>/dWe for stacked (P, L, D, D) factors, given their prefixes."""
    grads = torch.empty_like(we)
    g = g_out
    for k in range(we.shape[1] - 1, -1, -1):
        grads[:, k] = g if k == 0 else g @ prefix[k - 1].mT
        if k > 0:
            g = we[:, k].mT @ g
    return grads


@dataclass
class FnnProgram:
    """P runs of LoRA (and optionally final-layer or bias tuning) on FNNs, or on linear models.

    Args:
        frozen: per-run frozen weights "W" (P, L, D, D) and, for FNNs, biases "b" (P, L, D).
        target: per-seed target "W" (S, Lbar, D, D) (and "b").
        seed_idx: (P,) the seed of each run.
        b0: (P, L, D, rmax) the Gaussian LoRA factor at the start, columns beyond the rank zeroed.
        full_layers: (P, L) 0/1, layers whose whole weight a run tunes (final-layer tuning), or None.
        bias_layers: (P, L) 0/1, layers whose bias a run tunes, or None (no bias tuning).
        val_x: (S, Bv, D) float64 validation inputs per seed.
        relu: False for the linear model (then there are no biases and the second-moment loss is used).
    """

    frozen: dict[str, torch.Tensor]
    target: dict[str, torch.Tensor]
    seed_idx: torch.Tensor
    b0: torch.Tensor
    val_x: torch.Tensor
    full_layers: torch.Tensor | None = None
    bias_layers: torch.Tensor | None = None
    relu: bool = True
    dtype: torch.dtype = torch.float32
    device: str = "cpu"
    _w: torch.Tensor = field(init=False)

    def __post_init__(self) -> None:
        cast = lambda t: t.to(device=self.device, dtype=self.dtype)  # noqa: E731
        self._w = cast(self.frozen["W"])
        self._b = cast(self.frozen["b"]) if self.relu else None
        self._tw = cast(self.target["W"])
        self._tb = cast(self.target["b"]) if self.relu else None
        self._idx = self.seed_idx.to(self.device)
        self._full = None if self.full_layers is None else cast(self.full_layers)[:, :, None, None]
        self._bias = None if self.bias_layers is None else cast(self.bias_layers)[:, :, None]

    # -- what is trained ----------------------------------------------------------------------
    def init_state(self) -> dict[str, torch.Tensor]:
        b = self.b0.to(device=self.device, dtype=self.dtype)
        st = {"A": torch.zeros_like(b), "B": b.clone()}
        if self._full is not None:
            st["W"] = self._w.clone()
        if self._bias is not None and self._b is not None:
            st["b"] = self._b.clone()
        return st

    def update_masks(self) -> dict[str, torch.Tensor]:
        out = {}
        if self._full is not None:
            out["W"] = self._full
        if self._bias is not None:
            out["b"] = self._bias
        return out

    def weights(self, state: Mapping[str, torch.Tensor],
                idx: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The adapted weights W + dW (frozen or fully tuned base) and the biases in use (runs `idx`)."""
        sub = (lambda t: t) if idx is None else (lambda t: t[idx])
        st = {k: sub(v) for k, v in state.items()}
        w = sub(self._w)
        base = w if "W" not in st else torch.lerp(w, st["W"], sub(self._full))  # type: ignore[arg-type]
        we = base + st["A"] @ st["B"].mT
        return we, st.get("b", None if self._b is None else sub(self._b))

    def adapted(self, state: Mapping[str, torch.Tensor], idx: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The adapted model's parameters (float64, CPU) of runs `idx` (all by default), for evaluation."""
        with torch.no_grad():
            we, be = self.weights(state, None if idx is None else idx.to(self.device))
        out = {"W": we.detach().to("cpu", F64)}
        if be is not None:
            out["b"] = be.detach().to("cpu", F64)
        return out

    # -- loss and gradients -------------------------------------------------------------------
    def loss_grads(self, state: Mapping[str, torch.Tensor],
                   x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        we, be = self.weights(state)
        if self.relu:
            loss, g_we, g_b = self._fnn(we, be, x)
        else:
            loss, g_we = self._linear(we, x)
            g_b = None
        grads = {"A": g_we @ state["B"], "B": g_we.mT @ state["A"]}
        if "W" in state:
            grads["W"] = g_we
        if "b" in state and g_b is not None:
            grads["b"] = g_b
        return loss, grads

    def _linear(self, we: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        d = x.shape[-1]
        second = (x.mT @ x / x.shape[1])[self._idx]  # (P, D, D): S = X^T X / B of each run's seed
        prefix = _prefixes(we)
        e = prefix[-1] - self._tw[:, 0][self._idx]
        es = e @ second
        loss = (es * e).sum(dim=(1, 2)) / d
        return loss, _chain_grads(we, prefix, es * (2.0 / d))

    def _fnn(self, we: torch.Tensor, be: torch.Tensor | None,
             x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Forward and backward by hand into buffers kept between steps.

        Every (P, B, D) tensor is written into a buffer allocated once: a fresh multi-megabyte
        tensor per operation is returned to the OS when freed and page-faulted back in on the next
        step, which measured about twice as slow as the arithmetic itself on a 2-core VM.
        """
        assert be is not None and self._tb is not None
        p, depth = we.shape[0], we.shape[1]
        buf = self._buffers(p, x.shape[1], x.shape[2], depth, x.dtype)
        with torch.no_grad():
            y_seed = mdl.fnn_forward({"W": self._tw, "b": self._tb}, x)
        torch.index_select(x, 0, self._idx, out=buf[0])
        for k in range(depth):
            torch.baddbmm(be[:, k].unsqueeze(1), buf[k], we[:, k].mT, out=buf[k + 1]).clamp_(min=0)
        out, g, g2 = buf[depth], buf[-2], buf[-1]
        torch.index_select(y_seed, 0, self._idx, out=g2)
        torch.sub(out, g2, out=g)
        n = g.shape[1] * g.shape[2]
        flat = g.view(p, 1, n)
        loss = torch.bmm(flat, flat.mT).view(p) / n
        g.mul_(2.0 / n)
        torch.ops.aten.threshold_backward.grad_input(g, out, 0, grad_input=g)
        g_we = torch.empty_like(we)
        g_b = torch.empty_like(be)
        for k in range(depth - 1, -1, -1):
            g_we[:, k] = g.mT @ buf[k]
            g_b[:, k] = g.sum(dim=1)
            if k > 0:
                torch.bmm(g, we[:, k], out=g2)
                torch.ops.aten.threshold_backward.grad_input(g2, buf[k], 0, grad_input=g2)
                g, g2 = g2, g
        return loss, g_we, g_b

    def _buffers(self, p: int, b: int, d: int, depth: int, dtype: torch.dtype) -> list[torch.Tensor]:
        """Inputs, each layer's activations, and two gradient buffers, each (P, B, D)."""
        key = (p, b, d, depth, dtype)
        if getattr(self, "_buf_key", None) != key:
            self._buf = [torch.empty(p, b, d, dtype=dtype, device=self.device) for _ in range(depth + 3)]
            self._buf_key = key
        return self._buf

    # -- validation ---------------------------------------------------------------------------
    def val_loss(self, state: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """MSE on each seed's validation inputs, in float64."""
        params = self.adapted(state)
        x = self.val_x.to(F64)
        if not self.relu:
            e = _prefixes(params["W"])[-1] - self.target["W"][:, 0].to(F64)[self.seed_idx]
            second = (x.mT @ x / x.shape[1])[self.seed_idx]
            return ((e @ second) * e).sum(dim=(1, 2)) / x.shape[-1]
        tgt = {k: v.to(F64) for k, v in self.target.items()}
        y = mdl.fnn_forward(tgt, x)[self.seed_idx]
        with torch.no_grad():
            return mdl.mse(mdl.fnn_forward(params, x[self.seed_idx]), y)


TFN_LORA = ("Q", "K", "V", "O", "W2", "Wo")


@dataclass
class TfnProgram:
    """P runs of LoRA on TFNs (autograd): adapters on every W_Q, W_K, W_V, W_O, on the last block's
    W_2 and on W_o (R-TFN's set), and, if `tune_bias`, the biases b_1, b_2 of every block."""

    frozen: dict[str, torch.Tensor]
    target: dict[str, torch.Tensor]
    seed_idx: torch.Tensor
    b0: dict[str, torch.Tensor]  # per adapted weight, the Gaussian factor (P, ..., D, rmax), rank-masked
    val_x: torch.Tensor  # (S, Bv, N, D)
    tune_bias: bool = True
    dtype: torch.dtype = torch.float32
    device: str = "cpu"

    def __post_init__(self) -> None:
        self._fz = {k: v.to(device=self.device, dtype=self.dtype) for k, v in self.frozen.items()}
        self._tg = {k: v.to(device=self.device, dtype=self.dtype) for k, v in self.target.items()}
        self._idx = self.seed_idx.to(self.device)

    def init_state(self) -> dict[str, torch.Tensor]:
        st: dict[str, torch.Tensor] = {}
        for k, b in self.b0.items():
            b = b.to(device=self.device, dtype=self.dtype)
            st["A:" + k], st["B:" + k] = torch.zeros_like(b), b.clone()
        if self.tune_bias:
            st["b1"], st["b2"] = self._fz["b1"].clone(), self._fz["b2"].clone()
        return st

    def update_masks(self) -> dict[str, torch.Tensor]:
        return {}

    def params(self, state: Mapping[str, torch.Tensor], idx: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The adapted TFN's parameters of runs `idx` (all by default)."""
        sub = (lambda t: t) if idx is None else (lambda t: t[idx])
        p = {k: sub(v) for k, v in self._fz.items()}
        for k in self.b0:
            delta = sub(state["A:" + k]) @ sub(state["B:" + k]).mT
            if k == "W2":  # the last block's W_2 only (R-TFN adapts W_2L)
                p["W2"] = torch.cat([p["W2"][:, :-1], (p["W2"][:, -1] + delta).unsqueeze(1)], dim=1)
            else:
                p[k] = p[k] + delta
        if self.tune_bias:
            p["b1"], p["b2"] = sub(state["b1"]), sub(state["b2"])
        return p

    def adapted(self, state: Mapping[str, torch.Tensor], idx: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            p = self.params(state, None if idx is None else idx.to(self.device))
            return {k: v.detach().to("cpu", F64) for k, v in p.items()}

    def loss_grads(self, state: Mapping[str, torch.Tensor],
                   x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        with torch.no_grad():
            y = mdl.tfn_forward(self._tg, x)[self._idx]
        leaves = {k: v.detach().requires_grad_() for k, v in state.items()}
        with torch.enable_grad():
            loss = mdl.mse(mdl.tfn_forward(self.params(leaves), x[self._idx]), y)
            grads = torch.autograd.grad(loss.sum(), list(leaves.values()))
        return loss.detach(), dict(zip(leaves, grads, strict=True))

    def val_loss(self, state: Mapping[str, torch.Tensor]) -> torch.Tensor:
        params = self.adapted(state)
        x = self.val_x.to(F64)
        with torch.no_grad():
            y = mdl.tfn_forward({k: v.to(F64) for k, v in self.target.items()}, x)[self.seed_idx]
            return mdl.mse(mdl.tfn_forward(params, x[self.seed_idx]), y)


__all__ = ["TFN_LORA", "FnnProgram", "TfnProgram"]
