"""verifier: check the claims of theorems at explicit evidence levels (float < mp < certified < exact).

This module only re-exports the public API; spec packages import nothing else (plus the public
submodules `verifier.linalg`, `verifier.report`, `verifier.strategies` and `verifier.testing`).
Importing it loads neither torch nor python-flint: back ends are loaded when first asked for.
"""

from verifier._backends import Bound as Bound
from verifier._backends import Context as Context
from verifier._backends import Decision as Decision
from verifier._backends import get_context as get_context
from verifier._backends import register as register_backend
from verifier._check import check_theorem as check_theorem
from verifier._check import generate_instances as generate_instances
from verifier._errors import BackendUnavailable as BackendUnavailable
from verifier._errors import InstanceError as InstanceError
from verifier._errors import InternalError as InternalError
from verifier._errors import PrecisionExhausted as PrecisionExhausted
from verifier._errors import SpecError as SpecError
from verifier._errors import UnsupportedOperation as UnsupportedOperation
from verifier._errors import UsageError as UsageError
from verifier._errors import VerifierError as VerifierError
from verifier._exactops import exact_det as exact_det
from verifier._exactops import exact_inv as exact_inv
from verifier._exactops import exact_product as exact_product
from verifier._exactops import exact_rank as exact_rank
from verifier._exactops import exact_sub as exact_sub
from verifier._expr import Expr as Expr
from verifier._expr import Rel as Rel
from verifier._expr import View as View
from verifier._expr import exists as exists
from verifier._expr import forall as forall
from verifier._findings import check_command as check_command
from verifier._findings import record_findings as record_findings
from verifier._instances import instance_from_json as instance_from_json
from verifier._instances import instance_to_json as instance_to_json
from verifier._instances import load_instance as load_instance
from verifier._instances import save_instance as save_instance
from verifier._levels import LEVELS as LEVELS
from verifier._levels import Level as Level
from verifier._matrix import RatMatrix as RatMatrix
from verifier._matrix import parse_entry as parse_entry
from verifier._package import Command as Command
from verifier._package import Figure as Figure
from verifier._package import ReportSection as ReportSection
from verifier._package import SectionSettings as SectionSettings
from verifier._package import SpecPackage as SpecPackage
from verifier._records import Assumption as Assumption
from verifier._records import AssumptionResult as AssumptionResult
from verifier._records import Claim as Claim
from verifier._records import Comparison as Comparison
from verifier._records import IdentityClaim as IdentityClaim
from verifier._records import Instance as Instance
from verifier._records import Parameter as Parameter
from verifier._records import Refutation as Refutation
from verifier._records import Source as Source
from verifier._records import Theorem as Theorem
from verifier._registry import all_theorems as all_theorems
from verifier._registry import get_package as get_package
from verifier._registry import get_theorem as get_theorem
from verifier._registry import load_spec_file as load_spec_file
from verifier._registry import packages as packages
from verifier._registry import register_package as register_package
from verifier._registry import register_theorem as register_theorem
from verifier._shapes import Stack as Stack
from verifier._shapes import dyadic_gaussian as dyadic_gaussian
from verifier._types import CheckAssumption as CheckAssumption
from verifier._types import Construct as Construct
from verifier._types import Evaluate as Evaluate
from verifier._types import Generate as Generate
from verifier._types import Probe as Probe
from verifier._types import Refute as Refute
from verifier._verdicts import CheckSettings as CheckSettings
from verifier._verdicts import ClaimVerdict as ClaimVerdict
from verifier._verdicts import Counterexample as Counterexample
from verifier._verdicts import InstanceOutcome as InstanceOutcome
from verifier._verdicts import TheoremVerdict as TheoremVerdict
from verifier._witness import witness as witness

__version__ = "0.2.0"

__all__ = [
    "LEVELS", "Assumption", "AssumptionResult", "BackendUnavailable", "Bound", "CheckAssumption", "CheckSettings",
    "Claim", "ClaimVerdict", "Command", "Comparison", "Construct", "Context", "Counterexample", "Decision",
    "Evaluate", "Expr", "Figure", "Generate", "IdentityClaim", "Instance", "InstanceError", "InstanceOutcome",
    "InternalError", "Level", "Parameter", "PrecisionExhausted", "Probe", "RatMatrix", "Refutation", "Refute", "Rel",
    "ReportSection", "SectionSettings", "Source", "SpecError", "SpecPackage", "Stack", "Theorem", "TheoremVerdict",
    "UnsupportedOperation", "UsageError", "VerifierError", "View", "__version__", "all_theorems", "check_command",
    "check_theorem", "dyadic_gaussian", "exact_det", "exact_inv", "exact_product", "exact_rank", "exact_sub",
    "exists", "forall", "generate_instances", "get_context", "get_package", "get_theorem", "instance_from_json",
    "instance_to_json", "load_instance", "load_spec_file", "packages", "parse_entry", "record_findings",
    "register_backend", "register_package", "register_theorem", "save_instance", "witness",
]
