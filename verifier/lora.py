"""Public building blocks for LoRA specs: the R-LIN construction, probes and assumption checks."""

from verifier._assume import all_nonsingular as all_nonsingular
from verifier._assume import lowrank_corrections_nonsingular as lowrank_corrections_nonsingular
from verifier._lora import adapted_weights as adapted_weights
from verifier._lora import lora_adapters as lora_adapters
from verifier._lora import rank_one_terms as rank_one_terms
from verifier._probes import linear_lora_probes as linear_lora_probes

__all__ = ["adapted_weights", "all_nonsingular", "linear_lora_probes", "lora_adapters",
           "lowrank_corrections_nonsingular", "rank_one_terms"]
