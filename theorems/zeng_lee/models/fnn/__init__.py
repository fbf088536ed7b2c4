"""Public building blocks for the fully connected network (FNN) specs.

The model written once against `Context`, partitions, bounded domains and their enclosures, the
block construction (R-FNN1 / R-UNI / R-GEN) with its certificate on a whole domain, exact
thresholds, an impossibility certificate, plan and gradient-descent witness search. The error-bound
(err, errparts, errlower) and final-layer (flt) models are imported from their own modules.
Importing this module loads neither torch nor python-flint.
"""

from theorems.zeng_lee.models.fnn.assume import NONSINGULAR_MARGIN as NONSINGULAR_MARGIN
from theorems.zeng_lee.models.fnn.assume import corrections_assumption as corrections_assumption
from theorems.zeng_lee.models.fnn.assume import lowrank_smin as lowrank_smin
from theorems.zeng_lee.models.fnn.assume import nonsingularity_margins as nonsingularity_margins
from theorems.zeng_lee.models.fnn.construct import Adapted as Adapted
from theorems.zeng_lee.models.fnn.construct import DomainCheck as DomainCheck
from theorems.zeng_lee.models.fnn.construct import adapt as adapt
from theorems.zeng_lee.models.fnn.construct import block_targets as block_targets
from theorems.zeng_lee.models.fnn.construct import certify_on_domain as certify_on_domain
from theorems.zeng_lee.models.fnn.construct import require_active as require_active
from theorems.zeng_lee.models.fnn.domain import DOMAIN_OPTIONS as DOMAIN_OPTIONS
from theorems.zeng_lee.models.fnn.domain import PAPER_OPTIONS as PAPER_OPTIONS
from theorems.zeng_lee.models.fnn.domain import Domain as Domain
from theorems.zeng_lee.models.fnn.domain import Enclosure as Enclosure
from theorems.zeng_lee.models.fnn.domain import affine_enclosure as affine_enclosure
from theorems.zeng_lee.models.fnn.domain import bias_design_box as bias_design_box
from theorems.zeng_lee.models.fnn.domain import box_enclosure as box_enclosure
from theorems.zeng_lee.models.fnn.domain import domain_from_options as domain_from_options
from theorems.zeng_lee.models.fnn.domain import lower as lower
from theorems.zeng_lee.models.fnn.domain import min_entry as min_entry
from theorems.zeng_lee.models.fnn.domain import relu_enclosure as relu_enclosure
from theorems.zeng_lee.models.fnn.domain import sample_inputs as sample_inputs
from theorems.zeng_lee.models.fnn.domain import sup_norm as sup_norm
from theorems.zeng_lee.models.fnn.model import FNN as FNN
from theorems.zeng_lee.models.fnn.model import absolute as absolute
from theorems.zeng_lee.models.fnn.model import block_budget_ranks as block_budget_ranks
from theorems.zeng_lee.models.fnn.model import compositions as compositions
from theorems.zeng_lee.models.fnn.model import fnn_constraints as fnn_constraints
from theorems.zeng_lee.models.fnn.model import fnn_shapes as fnn_shapes
from theorems.zeng_lee.models.fnn.model import forward as forward
from theorems.zeng_lee.models.fnn.model import layer_outputs as layer_outputs
from theorems.zeng_lee.models.fnn.model import option as option
from theorems.zeng_lee.models.fnn.model import partition_from_sizes as partition_from_sizes
from theorems.zeng_lee.models.fnn.model import uniform_partition as uniform_partition
from theorems.zeng_lee.models.fnn.plan import Plan as Plan
from theorems.zeng_lee.models.fnn.plan import all_active_point as all_active_point
from theorems.zeng_lee.models.fnn.plan import block_errors as block_errors
from theorems.zeng_lee.models.fnn.plan import block_ranks as block_ranks
from theorems.zeng_lee.models.fnn.plan import refute_all_active as refute_all_active
from theorems.zeng_lee.models.fnn.plan import search_plan as search_plan
from theorems.zeng_lee.models.fnn.plan import uni_threshold as uni_threshold
from theorems.zeng_lee.models.fnn.search import gd_lora as gd_lora
from theorems.zeng_lee.models.fnn.spec import A_UNI_STATEMENT as A_UNI_STATEMENT
from theorems.zeng_lee.models.fnn.spec import Built as Built
from theorems.zeng_lee.models.fnn.spec import a_uni_check as a_uni_check
from theorems.zeng_lee.models.fnn.spec import build as build
from theorems.zeng_lee.models.fnn.spec import construction_exact as construction_exact
from theorems.zeng_lee.models.fnn.spec import dims as dims
from theorems.zeng_lee.models.fnn.spec import domain_comparisons as domain_comparisons
from theorems.zeng_lee.models.fnn.spec import domain_of as domain_of
from theorems.zeng_lee.models.fnn.spec import dyadic_gaussian as dyadic_gaussian
from theorems.zeng_lee.models.fnn.spec import first_exact as first_exact
from theorems.zeng_lee.models.fnn.spec import float_warm_start as float_warm_start
from theorems.zeng_lee.models.fnn.spec import output_relu_of as output_relu_of
from theorems.zeng_lee.models.fnn.spec import plan_from_aux as plan_from_aux
from theorems.zeng_lee.models.fnn.spec import random_fnn as random_fnn
from theorems.zeng_lee.models.fnn.spec import rank_comparisons as rank_comparisons
from theorems.zeng_lee.models.fnn.spec import refute_total_rank as refute_total_rank
from theorems.zeng_lee.models.fnn.spec import sampled_comparisons as sampled_comparisons
from theorems.zeng_lee.models.fnn.spec import sweep_uniform as sweep_uniform
from theorems.zeng_lee.models.fnn.spec import uni_threshold_of as uni_threshold_of
from theorems.zeng_lee.models.fnn.spec import uniform_block_ranks as uniform_block_ranks
from theorems.zeng_lee.models.fnn.spec import uniform_blocks as uniform_blocks
from theorems.zeng_lee.models.fnn.spec import uniform_ranks as uniform_ranks

__all__ = [
    "A_UNI_STATEMENT",
    "DOMAIN_OPTIONS",
    "FNN",
    "NONSINGULAR_MARGIN",
    "PAPER_OPTIONS",
    "Adapted",
    "Built",
    "Domain",
    "DomainCheck",
    "Enclosure",
    "Plan",
    "a_uni_check",
    "absolute",
    "adapt",
    "affine_enclosure",
    "all_active_point",
    "bias_design_box",
    "block_budget_ranks",
    "block_errors",
    "block_ranks",
    "block_targets",
    "box_enclosure",
    "build",
    "certify_on_domain",
    "compositions",
    "construction_exact",
    "corrections_assumption",
    "dims",
    "domain_comparisons",
    "domain_from_options",
    "domain_of",
    "dyadic_gaussian",
    "first_exact",
    "float_warm_start",
    "fnn_constraints",
    "fnn_shapes",
    "forward",
    "gd_lora",
    "layer_outputs",
    "lower",
    "lowrank_smin",
    "min_entry",
    "nonsingularity_margins",
    "option",
    "output_relu_of",
    "partition_from_sizes",
    "plan_from_aux",
    "random_fnn",
    "rank_comparisons",
    "refute_all_active",
    "refute_total_rank",
    "relu_enclosure",
    "require_active",
    "sample_inputs",
    "sampled_comparisons",
    "search_plan",
    "sup_norm",
    "sweep_uniform",
    "uni_threshold",
    "uni_threshold_of",
    "uniform_block_ranks",
    "uniform_blocks",
    "uniform_partition",
    "uniform_ranks"
]
