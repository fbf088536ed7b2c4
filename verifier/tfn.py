"""Public building blocks for transformer (TFN) specs: the model, the R-TFN construction, exact rank gaps."""

from verifier._tfn import HEAD_NAMES as HEAD_NAMES
from verifier._tfn import TFN as TFN
from verifier._tfn import Construction as Construction
from verifier._tfn import ExactAnalysis as ExactAnalysis
from verifier._tfn import Pair as Pair
from verifier._tfn import TFNOptions as TFNOptions
from verifier._tfn import attention as attention
from verifier._tfn import block as block
from verifier._tfn import construct as construct
from verifier._tfn import exact_analysis as exact_analysis
from verifier._tfn import forward as forward
from verifier._tfn import forward_many as forward_many
from verifier._tfn import layer_norm as layer_norm
from verifier._tfn import load_tfn as load_tfn
from verifier._tfn import pair_targets as pair_targets
from verifier._tfn import parameter_identities as parameter_identities
from verifier._tfn import rank_gaps as rank_gaps
from verifier._tfn import sample_inputs as sample_inputs
from verifier._tfn import softmax_cols as softmax_cols
from verifier._tfn import tfn_shapes as tfn_shapes
from verifier._tfn import threshold as threshold

__all__ = [
           "HEAD_NAMES",
           "TFN",
           "Construction",
           "ExactAnalysis",
           "Pair",
           "TFNOptions",
           "attention",
           "block",
           "construct",
           "exact_analysis",
           "forward",
           "forward_many",
           "layer_norm",
           "load_tfn",
           "pair_targets",
           "parameter_identities",
           "rank_gaps",
           "sample_inputs",
           "softmax_cols",
           "tfn_shapes",
           "threshold",
]
