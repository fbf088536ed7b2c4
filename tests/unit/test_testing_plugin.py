"""Specs as pytest tests: the `--verifier-spec` plugin, `verifier.testing.theorem_tests`, and the
public Hypothesis strategies (`verifier.strategies`) in a user's own property test.

Each scenario runs pytest in a subprocess (`pytester`), as a user would, so spec files loaded
there never touch this session's registry."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorems.linalg.ranks import SYLVESTER
from verifier import Instance, exact_rank
from verifier.strategies import instances, matrices

pytest_plugins = ["pytester"]

TRUE_SPEC = '''
from verifier import Parameter, Source, Theorem, forall


@forall("cyclic", r"$\\mathrm{tr}(AB) = \\mathrm{tr}(BA)$")
def cyclic(x):
    return x.tr(x.A @ x.B) == x.tr(x.B @ x.A)


@forall("fro", r"$\\|AB\\|_F \\le \\|A\\|_F \\|B\\|_F$")
def fro(x):
    return x.fro(x.A @ x.B) <= x.fro(x.A) * x.fro(x.B)


TRACE = Theorem(id="TRACE", title="t", statement="s", source=Source(citation="folklore", kind="folklore"),
                parameters=(Parameter("n", low=1, high=3),), shapes={"A": ("n", "n"), "B": ("n", "n")},
                claims=(cyclic, fro), default_examples=5)
'''

FALSE_SPEC = '''
from verifier import Parameter, Source, Theorem, forall


@forall("multiplicative", r"$\\mathrm{tr}(AB) = \\mathrm{tr}(A)\\,\\mathrm{tr}(B)$")
def multiplicative(x):
    return x.tr(x.A @ x.B) == x.tr(x.A) * x.tr(x.B)


@forall("float-only", "a claim with no certified form", levels=("float",))
def float_only(x):
    return x.tr(x.A @ x.A.T) <= -1


WRONG = Theorem(id="WRONG", title="t", statement="s", source=Source(citation="nobody", kind="conjecture"),
                parameters=(Parameter("n", low=2, high=3),), shapes={"A": ("n", "n"), "B": ("n", "n")},
                claims=(multiplicative, float_only), default_examples=5)
'''


def test_verifier_spec_alone_collects_one_test_per_claim(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(true_spec=TRUE_SPEC)
    result = pytester.runpytest_subprocess("--verifier-spec", "true_spec.py", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*true_spec.py::TRACE::cyclic PASSED*", "*true_spec.py::TRACE::fro PASSED*"])


def test_a_violated_claim_fails_with_its_counterexample_and_replay_command(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(false_spec=FALSE_SPEC)
    result = pytester.runpytest_subprocess("--verifier-spec", "false_spec.py", "-k", "multiplicative")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*WRONG / multiplicative: VIOLATED (evidence exact*",
                                 "*counterexample (exact)*",
                                 "*replay: verifier check WRONG --spec false_spec.py --instance *.json*"])
    assert list((pytester.path / ".verifier" / "counterexamples").glob("WRONG-multiplicative-*.json"))


def test_inconclusive_fails_unless_asked_to_skip(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(false_spec=FALSE_SPEC)
    result = pytester.runpytest_subprocess("--verifier-spec", "false_spec.py", "-k", "float")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*WRONG / float-only: INCONCLUSIVE*"])
    result = pytester.runpytest_subprocess("--verifier-spec", "false_spec.py", "-k", "float",
                                           "--verifier-inconclusive=skip")
    result.assert_outcomes(skipped=1, deselected=1)


def test_a_malformed_spec_is_a_one_line_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(bad_spec="from verifier import Parameter\nP = Parameter('n', low=3, high=1)\n")
    result = pytester.runpytest_subprocess("--verifier-spec", "bad_spec.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["verifier: parameter n: need 0 <= low <= high <= 4096*"])
    assert "Traceback" not in result.stdout.str()


def test_ini_option_collects_spec_files_with_the_rest_of_the_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(true_spec=TRUE_SPEC, test_plain="def test_plain():\n    assert True\n")
    pytester.makeini("[pytest]\nverifier_specs = true_spec.py\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=3)


def test_theorem_tests_in_a_users_test_module(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(true_spec=TRUE_SPEC, false_spec=FALSE_SPEC, test_mine='''
from verifier.testing import check_claims, theorem_tests

test_trace = theorem_tests("true_spec.py", examples=3, seed=1)
test_wrong = theorem_tests("false_spec.py")


def test_one_claim_at_certified_level():
    (verdict,) = check_claims("true_spec.py", claims=["fro"], level="certified", examples=2)
    assert verdict.status == "holds" and verdict.evidence in ("certified", "exact")
''')
    result = pytester.runpytest_subprocess("-v", "-k", "not float")
    result.assert_outcomes(passed=3, failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*test_trace?TRACE::cyclic? PASSED*",
                                 "*TheoremCheckFailed: WRONG / multiplicative: VIOLATED*"])


# -- the public strategies in a property test of one's own ----------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.data())
def test_strategies_in_a_users_property_test(data: st.DataObject) -> None:
    m, n = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    a = data.draw(matrices(m, n, kinds=("zero", "lowrank", "spectrum", "integers")))
    b = data.draw(matrices(m, n, kinds=("lowrank", "permutation", "sparse")))
    assert a.shape == b.shape == (m, n)
    assert exact_rank(a + b) <= exact_rank(a) + exact_rank(b)


@settings(max_examples=15, deadline=None)
@given(instances(SYLVESTER, max_param=3))
def test_instances_strategy_draws_valid_instances_of_a_spec(inst: Instance) -> None:
    a, b = inst.matrices["A"], inst.matrices["B"]
    p = inst.parameters["p"]
    assert a.shape == (inst.parameters["m"], p) and b.shape == (p, inst.parameters["n"])
    assert exact_rank(a) + exact_rank(b) - p <= exact_rank(a @ b)
