"""Settings of the reproduction and stability runs: the paper's, and the reductions that fit 2 CPU cores."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from verifier import UsageError

Experiment = Literal["linear", "fnn", "tfn", "final-layers", "bias"]
EXPERIMENTS: tuple[Experiment, ...] = ("linear", "fnn", "tfn", "final-layers", "bias")


@dataclass(frozen=True, slots=True)
class ReproduceSettings:
    """What `verifier reproduce` runs. Defaults follow THEOREMS.md "The paper's experiments" except
    where a field says it is reduced (the report lists every reduction)."""

    D: int = 16
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    ranks: tuple[int, ...] = tuple(range(1, 17))
    eval_inputs: int = 5000
    #: the TFN's inputs are D x N sequences; reduced from 5000 for time
    tfn_eval_inputs: int = 1000
    tokens: int = 10
    heads: int = 2
    #: gradient descent: Adam with a cosine schedule, fresh standard normal inputs every step (reduced)
    gd_steps: int = 400
    gd_batch: int = 256
    lr: float = 3e-2
    #: the TFN's gradient descent runs at these ranks and the first seeds only, with fewer steps (reduced)
    tfn_gd_ranks: tuple[int, ...] = (2, 4, 6, 8, 12)
    tfn_gd_seeds: int = 3
    tfn_gd_steps: int = 200
    tfn_gd_batch: int = 64
    pretrain_lr: float = 3e-3
    pretrain_max_steps: int = 2000
    final_depth: int = 8
    final_k: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
    final_ranks: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
    relu_last: bool = True
    #: torch threads: one is fastest for these tiny batched problems, and immune to a busy machine
    #: (two threads measured 6x slower than one while another process held a core)
    threads: int = 1
    experiments: tuple[Experiment, ...] = EXPERIMENTS
    progress: bool = False
    quick: bool = False
    extra_reductions: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.D < 2:
            raise UsageError(f"D must be >= 2, got {self.D}")
        if not self.seeds or not self.ranks:
            raise UsageError("at least one seed and one rank are needed")
        bad = sorted(set(self.experiments) - set(EXPERIMENTS))
        if bad:
            raise UsageError(f"unknown experiment(s) {bad}; expected some of {list(EXPERIMENTS)}")

    @classmethod
    def quick_settings(cls, **over: Any) -> ReproduceSettings:
        """Seconds, for tests: D = 4, two seeds, a handful of steps. Shapes only, not the paper's numbers."""
        base = dict(D=4, seeds=(0, 1), ranks=(1, 2, 3, 4), eval_inputs=256, tfn_eval_inputs=64, tokens=4,
                    gd_steps=15, gd_batch=64, tfn_gd_ranks=(1, 2, 4), tfn_gd_seeds=2, tfn_gd_steps=8, tfn_gd_batch=16,
                    pretrain_max_steps=50, final_depth=4, final_k=(1, 2, 3), final_ranks=(1, 2, 3), quick=True)
        base.update(over)
        return cls(**base)  # type: ignore[arg-type]

    def as_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}

    def reductions(self) -> list[str]:
        """The ways these settings fall short of the paper's, in words, for the report."""
        out = []
        if self.quick:
            out.append(f"--quick: D = {self.D}, seeds {list(self.seeds)}, ranks {list(self.ranks)}, "
                       f"{self.gd_steps} GD steps: a smoke test of the pipeline, not the paper's numbers")
        out.append(f"gradient descent: {self.gd_steps} Adam steps (lr {self.lr}, cosine decay to 1%) on fresh "
                   f"batches of {self.gd_batch} standard normal inputs, instead of training to convergence; "
                   "its curves are upper bounds on what gradient descent can reach")
        out.append(f"TFN: MSE on {self.tfn_eval_inputs} (not 5000) random input sequences; gradient descent at "
                   f"ranks {list(self.tfn_gd_ranks)} and the first {self.tfn_gd_seeds} seeds only, "
                   f"{self.tfn_gd_steps} steps on batches of {self.tfn_gd_batch}")
        out.append("final-layer tuning vs LoRA and the bias-tuning comparison use random frozen models only")
        out.append(f"pretraining: Adam (lr {self.pretrain_lr}) on all frozen weights and biases toward the target, "
                   f"stopped per model once its training MSE falls below a third of its start "
                   f"(at most {self.pretrain_max_steps} steps)")
        out.append("the constructions' bounded input domain X is the evaluation set itself (the intermediate "
                   "biases are chosen from its range)")
        return out + list(self.extra_reductions)


@dataclass(frozen=True, slots=True)
class StabilitySettings:
    """What the float-stability section measures (R-LIN construction, per dtype, against certified values)."""

    widths: tuple[int, ...] = (8, 16, 32, 64)
    depths: tuple[int, ...] = (1, 2, 4, 8)
    dtypes: tuple[str, ...] = ("float64", "float32", "tf32", "bfloat16", "float16")
    seeds: tuple[int, ...] = (0, 1, 2)
    #: certified enclosures for seed 0 only (flint, ~0.1-1 s each at D = 64); floats use every seed
    certified_seeds: tuple[int, ...] = (0,)
    prec: int = 170
    #: the residual's enclosure is retried at doubled precision up to here; at L = 8 and D >= 32 the
    #: construction needs 1360 bits (up to ~50 s per case), so those stay "not certified" by default
    max_prec: int = 680
    threads: int = 1
    device: Literal["auto", "cpu", "cuda"] = "auto"
    quick: bool = False
    progress: bool = False

    @classmethod
    def quick_settings(cls, **over: Any) -> StabilitySettings:
        base = dict(widths=(4, 8), depths=(1, 2), seeds=(0,), quick=True)
        base.update(over)
        return cls(**base)  # type: ignore[arg-type]

    def as_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


__all__ = ["EXPERIMENTS", "Experiment", "ReproduceSettings", "StabilitySettings"]
