"""Public building blocks for the fully connected network (FNN) specs.

The model written once against `Context`, partitions, bounded domains and their enclosures, the
block construction (R-FNN1 / R-UNI / R-GEN) with its certificate on a whole domain, exact
thresholds, an impossibility certificate, plan and gradient-descent witness search, and the final
layer tuning certificates of R-FLT. Importing this module loads neither torch nor python-flint.
"""

from verifier._fnn import FNN as FNN
from verifier._fnn import absolute as absolute
from verifier._fnn import block_budget_ranks as block_budget_ranks
from verifier._fnn import compositions as compositions
from verifier._fnn import fnn_constraints as fnn_constraints
from verifier._fnn import fnn_shapes as fnn_shapes
from verifier._fnn import forward as forward
from verifier._fnn import layer_outputs as layer_outputs
from verifier._fnn import option as option
from verifier._fnn import partition_from_sizes as partition_from_sizes
from verifier._fnn import uniform_partition as uniform_partition
from verifier._fnn_assume import NONSINGULAR_MARGIN as NONSINGULAR_MARGIN
from verifier._fnn_assume import corrections_assumption as corrections_assumption
from verifier._fnn_assume import lowrank_smin as lowrank_smin
from verifier._fnn_assume import nonsingularity_margins as nonsingularity_margins
from verifier._fnn_construct import Adapted as Adapted
from verifier._fnn_construct import DomainCheck as DomainCheck
from verifier._fnn_construct import adapt as adapt
from verifier._fnn_construct import block_targets as block_targets
from verifier._fnn_construct import certify_on_domain as certify_on_domain
from verifier._fnn_construct import require_active as require_active
from verifier._fnn_domain import DOMAIN_OPTIONS as DOMAIN_OPTIONS
from verifier._fnn_domain import Domain as Domain
from verifier._fnn_domain import Enclosure as Enclosure
from verifier._fnn_domain import affine_enclosure as affine_enclosure
from verifier._fnn_domain import bias_design_box as bias_design_box
from verifier._fnn_domain import box_enclosure as box_enclosure
from verifier._fnn_domain import domain_from_options as domain_from_options
from verifier._fnn_domain import lower as lower
from verifier._fnn_domain import min_entry as min_entry
from verifier._fnn_domain import relu_enclosure as relu_enclosure
from verifier._fnn_domain import sample_inputs as sample_inputs
from verifier._fnn_domain import sup_norm as sup_norm
from verifier._fnn_err import frobenius as frobenius
from verifier._fnn_err import mc_ucb as mc_ucb
from verifier._fnn_err import naive_sup_error as naive_sup_error
from verifier._fnn_err import stated_bound as stated_bound
from verifier._fnn_err import sup_error_bound as sup_error_bound
from verifier._fnn_err import target_enclosures as target_enclosures
from verifier._fnn_flt import Collision as Collision
from verifier._fnn_flt import find_collision as find_collision
from verifier._fnn_flt import first_layer_margin as first_layer_margin
from verifier._fnn_flt import flt_tuning as flt_tuning
from verifier._fnn_plan import Plan as Plan
from verifier._fnn_plan import all_active_point as all_active_point
from verifier._fnn_plan import block_errors as block_errors
from verifier._fnn_plan import block_ranks as block_ranks
from verifier._fnn_plan import refute_all_active as refute_all_active
from verifier._fnn_plan import search_plan as search_plan
from verifier._fnn_plan import uni_threshold as uni_threshold
from verifier._fnn_search import gd_flt as gd_flt
from verifier._fnn_search import gd_lora as gd_lora
from verifier._fnn_spec import A_UNI_STATEMENT as A_UNI_STATEMENT
from verifier._fnn_spec import Built as Built
from verifier._fnn_spec import a_uni_check as a_uni_check
from verifier._fnn_spec import build as build
from verifier._fnn_spec import construction_exact as construction_exact
from verifier._fnn_spec import dims as dims
from verifier._fnn_spec import domain_comparisons as domain_comparisons
from verifier._fnn_spec import domain_of as domain_of
from verifier._fnn_spec import dyadic_gaussian as dyadic_gaussian
from verifier._fnn_spec import first_exact as first_exact
from verifier._fnn_spec import float_warm_start as float_warm_start
from verifier._fnn_spec import output_relu_of as output_relu_of
from verifier._fnn_spec import plan_from_aux as plan_from_aux
from verifier._fnn_spec import random_fnn as random_fnn
from verifier._fnn_spec import rank_comparisons as rank_comparisons
from verifier._fnn_spec import refute_total_rank as refute_total_rank
from verifier._fnn_spec import sampled_comparisons as sampled_comparisons
from verifier._fnn_spec import sweep_uniform as sweep_uniform
from verifier._fnn_spec import uni_threshold_of as uni_threshold_of
from verifier._fnn_spec import uniform_block_ranks as uniform_block_ranks
from verifier._fnn_spec import uniform_blocks as uniform_blocks
from verifier._fnn_spec import uniform_ranks as uniform_ranks

__all__ = [
    "A_UNI_STATEMENT",
    "DOMAIN_OPTIONS",
    "FNN",
    "NONSINGULAR_MARGIN",
    "Adapted",
    "Built",
    "Collision",
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
    "find_collision",
    "first_exact",
    "first_layer_margin",
    "float_warm_start",
    "flt_tuning",
    "fnn_constraints",
    "fnn_shapes",
    "forward",
    "frobenius",
    "gd_flt",
    "gd_lora",
    "layer_outputs",
    "lower",
    "lowrank_smin",
    "mc_ucb",
    "min_entry",
    "naive_sup_error",
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
    "stated_bound",
    "sup_error_bound",
    "sup_norm",
    "sweep_uniform",
    "target_enclosures",
    "uni_threshold",
    "uni_threshold_of",
    "uniform_block_ranks",
    "uniform_blocks",
    "uniform_partition",
    "uniform_ranks"
]
