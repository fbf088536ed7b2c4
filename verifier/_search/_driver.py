"""The loop of one search: rounds of examples within the budget, then shrinking and simplifying.

A search runs in rounds on a fixed schedule (25, 50, 100, 200, 200, ... examples), so that a seeded
search is reproducible. A Hypothesis round is one Hypothesis run with its own seed and database key
(the set of active claims), so a rerun replays what was found; Hypothesis starts targeting half-way
through each run. The default alternates them with adaptive (cross-entropy) rounds over the same
builders. Claims already refuted leave the next rounds. Once something is found, rounds restricted
to smaller parameters look for a smaller counterexample, and the last share of the budget goes to
simpler values (`_Search.simplify`).
"""

from __future__ import annotations

import hashlib
import math
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from verifier._interrupt import check_stop, deferred_interrupts
from verifier._records import Theorem
from verifier._search._engine import Outcome, Variant, _found_class, _FoundError, _Search, _Stop, relative_margin
from verifier._search._model import SearchSettings
from verifier._search._store import Store

#: Examples per Hypothesis run (round), in order; the last repeats.
_ROUNDS = (25, 50, 100, 200)
#: The default ("mixed") sampler's rounds, alternately Hypothesis and adaptive; the first are
#: short so that margin descent starts from the best candidates early.
_MIXED_ROUNDS = (5, 10, 25, 25, 50, 50, 100, 100, 200)
#: Margin descent after each round: from this many of the best candidates, at most this many steps each.
_DESCENT_STARTS, _DESCENT_STEPS = 2, 8
#: Candidates kept as starting points for margin descent (the smallest margins so far).
_POOL = 8
#: Share of a search's budget left for simplifying findings once something was found.
_SIMPLIFY_SHARE = 0.15


def _hypothesis_settings(s: SearchSettings, n: int) -> Any:
    from hypothesis import HealthCheck, Phase, Verbosity, settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    phases = [Phase.explicit, Phase.reuse, Phase.generate]
    phases += [Phase.target] if s.guided else []
    phases += [Phase.shrink] if s.shrink and not s.stop_at_first else []
    return settings(max_examples=n, deadline=None, phases=phases, report_multiple_bugs=True,
                    database=DirectoryBasedExampleDatabase(s.database) if s.database else None,
                    suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet, print_blob=False)


class _Driver:
    def __init__(self, search: _Search) -> None:
        self.x = search
        self.deadline = search.t0 + search.budget
        self.active: list[Any] = []
        self.round_calls = 0
        self.errors = 0
        self.ranges = dict(search.ranges)
        from verifier._search._choosers import CrossEntropy

        self._uniform_rng = np.random.default_rng([search.s.seed, 11])
        self.ce = CrossEntropy()
        self.last_score: float | None = None
        self.max_size: int | None = None
        self.stopped = False
        self.raised: set[tuple[str, str]] = set()
        #: Starting points for margin descent: (score, tie-breaker, instance, description).
        self.pool: list[tuple[float, int, Any, str]] = []
        self.cut: int | None = None
        self._pushed = 0

    def _time_left(self) -> float:
        return self.deadline - time.monotonic()

    def _tick(self) -> None:
        check_stop()  # SIGTERM/Ctrl-C: the handler only asked; this is a safe point to stop
        found = bool(self.x.out.best)
        end = self.deadline - (self.x.budget * _SIMPLIFY_SHARE if found and self.x.s.simplify else 0.0)
        if time.monotonic() >= end or (self.x.s.stop_at_first and found):
            self.stopped = True  # Hypothesis may wrap the BaseException: the flag is what counts
            raise _Stop()

    def step(self, ch: Any) -> list[tuple[str, str]]:
        """Draw one candidate with chooser `ch`, evaluate it, target, record; the keys it violated."""
        from hypothesis import target
        from hypothesis.errors import UnsatisfiedAssumption

        from verifier._search._choosers import HypothesisChooser, RejectedError
        from verifier._search.strategies import InstanceConfig, draw_candidate

        x = self.x
        generic = x.thm.generic_instances  # null-set structure would not refute such claims
        cfg = InstanceConfig(self.ranges, x.v.enforce, tuple(c for c in self.active if c.threshold is not None),
                             1 if any(c.uses_probes for c in self.active) else x.s.batch,
                             x.s.structured and not generic, steer_values=not generic, max_size=self.max_size)
        try:
            cand = draw_candidate(ch, x.thm, cfg)
        except (RejectedError, UnsatisfiedAssumption):  # no instance of the draw met the enforced assumptions
            x.out.count("rejected")
            raise
        try:
            insts, per = x.evaluate(cand.instances, self.active)
        except Exception as e:  # the spec's code failing on an instance: an error (never "not refuted")
            self.errors += 1
            where = traceback.extract_tb(e.__traceback__)[-1].name if e.__traceback__ else "?"
            x.out.count("errored", len(cand.instances), f"evaluation raised on [{cand.description}]: "
                                                         f"{type(e).__name__}: {e} ({where})")
            return []
        x.out.examples += 1
        self.round_calls += 1
        if not x.found_in_round:
            x.out.generated += 1
        if x.s.guided and isinstance(ch, HypothesisChooser):
            for c in self.active:
                rels = [r for outs in per if c.id in outs for r in [relative_margin(outs[c.id].decision)]
                        if r is not None]
                if rels:
                    target(-min(rels), label=f"margin of {c.id}")
            if x.v.dropped:
                ms = [m for a in cand.assumptions if x.v.dropped in a for m in [a[x.v.dropped].margin]
                      if m is not None]
                if ms:
                    target(-min(ms), label=f"distance to violating {x.v.dropped}")
        self.last_score = self._score(per, cand.assumptions)
        keys = x.handle(insts, per, cand.assumptions, cand.description)
        if keys:
            x.found_in_round = True
        elif x.s.descent:
            self._remember(insts, per, cand.assumptions, cand.description)
        return keys

    # -- margin descent -------------------------------------------------------------------------
    @staticmethod
    def _margins(per: Any, claims: Any = None) -> list[float | None]:
        """Per instance, the smallest relative margin among `claims` (all measured claims by default)."""
        ids = None if claims is None else {c.id for c in claims}
        out: list[float | None] = []
        for outs in per:
            rels = [r for cid, o in outs.items() if ids is None or cid in ids
                    for r in [relative_margin(o.decision)] if r is not None]
            out.append(min(rels) if rels else None)
        return out

    def _remember(self, insts: Any, per: Any, assumptions: Any, description: str) -> None:
        """Keep the instances with the smallest margins as starting points for margin descent."""
        from verifier._search._descent import descent_claims

        claims = descent_claims(self.x.thm, self.active)
        if not claims:
            return
        dropped = self.x.v.dropped
        for inst, score, ares in zip(insts, self._margins(per, claims), assumptions, strict=True):
            if score is None or score <= 0 or not math.isfinite(score):
                continue
            if dropped is not None and (ares.get(dropped) is None or ares[dropped].status != "violated"):
                continue  # a necessity counterexample must violate the dropped assumption
            self._pushed += 1
            self.pool.append((score, self._pushed, inst, description))
        self.pool = sorted(self.pool, key=lambda e: e[:2])[:_POOL]

    def descend(self, starts: int = _DESCENT_STARTS, steps: int = _DESCENT_STEPS,
                done: Callable[[], bool] | None = None) -> bool:
        """Margin descent (`_descent`) from the best remembered candidates, until `done()` (by default:
        every claim refuted; found claims leave `self.active`); False when the search should end."""
        from verifier._search._descent import descent_claims, gradient, stepped
        from verifier._search.strategies import check_assumptions

        x = self.x
        for _ in range(starts):
            claims = descent_claims(x.thm, self.active)
            spent = done is None and x.out.generated >= x.s.max_examples  # shrinking comes on top
            if not claims or not self.pool or (done or self._done)() or spent:
                return True
            _score, _k, inst, description = self.pool.pop(0)
            for k in range(steps):
                try:
                    self._tick()
                except _Stop:
                    return False
                g = gradient(x.thm, inst, claims, self.x.cs.device)
                if g is None:
                    break
                valid = [(c, a) for c in stepped(inst, g) for a, ok in [check_assumptions(x.thm, c, x.v.enforce)]
                         if ok]
                if not valid:
                    break
                try:
                    insts, per = x.evaluate([c for c, _a in valid], self.active)
                except KeyboardInterrupt:
                    x.out.interrupted = True
                    return False
                except Exception as e:  # the spec's code failing on a stepped instance: an error; stop here
                    x.out.count("errored", len(valid), f"evaluation raised on a margin-descent step: "
                                                       f"{type(e).__name__}: {e}")
                    break
                x.out.examples += 1
                x.out.generated += 1
                how = f"{description}; then {k + 1} margin-descent step(s) on {g.claim}"
                if x.handle(insts, per, [a for _c, a in valid], how):
                    if done is None:
                        self.active = self._unfound()
                    break
                # Judge the step by the claim it followed (another claim's margin may not move at all).
                followed = [c for c in claims if c.id == g.claim]
                scores = [(s, j) for j, s in enumerate(self._margins(per, followed)) if s is not None]
                if not scores or min(scores)[0] >= g.rel:
                    break
                inst = insts[min(scores)[1]]
        return True

    def _score(self, per: Any, assumptions: Any) -> float | None:
        """How close a candidate came (smaller is closer): its smallest relative claim margin; with an
        assumption dropped, instances that violate it rank first. None when nothing was measured."""
        dropped = self.x.v.dropped
        scores = []
        for rel, ares in zip(self._margins(per), assumptions, strict=True):
            if dropped is None:
                if rel is not None:
                    scores.append(rel)
                continue
            a = ares.get(dropped)
            if a is not None and a.status == "violated":
                scores.append(1.0 if rel is None else rel)
            elif a is not None:
                scores.append(2.0 + (a.margin if a.margin is not None else 1.0))
        return min(scores) if scores else None

    def body(self, data: Any) -> None:
        """The Hypothesis test: one candidate; a certified counterexample raises its own exception."""
        from verifier._search._choosers import HypothesisChooser

        self._tick()
        if self.cut is not None and self.round_calls >= self.cut and not self.x.found_in_round:
            raise _Stop()  # the round's share is spent (not the search's: `stopped` stays False)
        keys = self.step(HypothesisChooser(data.draw))
        if keys:
            fresh = [k for k in keys if k not in self.raised]
            key = (fresh or keys)[0]
            self.raised.add(key)
            raise _found_class(key)(f"{key[1]} ({key[0]})")

    def run_uniform(self, n: int, adaptive: bool = False) -> bool:
        """Up to `n` examples of the same structures drawn at random without Hypothesis: uniformly,
        or (`adaptive`) from the cross-entropy learner's distributions; False when the search should end."""
        from verifier._search._choosers import AdaptiveChooser, RandomChooser, RejectedError

        x = self.x
        stop = x.out.generated + n
        while not self._done() and x.out.generated < min(stop, x.s.max_examples):
            try:
                self._tick()
            except _Stop:
                return False
            self.active = self._unfound()
            x.found_in_round = False
            ch = AdaptiveChooser(self._uniform_rng, self.ce.weights) if adaptive else RandomChooser(self._uniform_rng)
            try:
                self.step(ch)
            except RejectedError:  # counted by `step`
                continue
            except KeyboardInterrupt:
                x.out.interrupted = True
                return False
            if isinstance(ch, AdaptiveChooser):
                self.ce.observe(self.last_score, ch.trace)
        return True

    def _done(self) -> bool:
        x = self.x
        if x.v.dropped is not None:  # one necessity counterexample answers the question
            return any(k[0] == "necessary" for k in x.out.best)
        found = {k[1] for k in x.out.best if k[0] in ("violation", "threshold")}
        return all(c.id in found for c in x.v.claims)

    def _unfound(self) -> list[Any]:
        x = self.x
        found = {k[1] for k in x.out.best if k[0] in ("violation", "threshold")}
        return [c for c in x.v.claims if c.id not in found] if x.v.dropped is None else list(x.v.claims)

    def run_round(self, r: int, n: int, tag: str = "") -> bool:
        """One Hypothesis run of at most `n` examples over `self.active`; False when the search should end."""
        from hypothesis import given, seed
        from hypothesis import strategies as st

        x = self.x
        key = f"verifier-search|{x.thm.id}|{x.v.key}|{','.join(c.id for c in self.active)}|{tag}|v1".encode()
        test = given(st.data())(self.body)
        # Hypothesis plans its generation by max_examples (a run of 5 does not start like the first
        # 5 of a run of 25), so a short round is a run of at least 25 cut after n examples.
        test = _hypothesis_settings(x.s, max(n, _ROUNDS[0]))(test)
        self.cut = n if n < _ROUNDS[0] else None
        test = seed(int.from_bytes(hashlib.sha256(f"{x.s.seed}|{x.v.key}|{r}|{tag}".encode()).digest()[:8],
                                   "big"))(test)
        test._hypothesis_internal_database_key = hashlib.sha384(key).digest()  # type: ignore[attr-defined]
        x.found_in_round = False
        self.raised = set()
        self.round_calls = 0
        try:
            test()
        except KeyboardInterrupt:
            x.out.interrupted = True
            return False
        except BaseException as e:  # Hypothesis reports our _FoundError (or flakiness, or our stop) this way
            if _interrupted(e):  # Ctrl-C or SIGTERM inside a group Hypothesis raised
                x.out.interrupted = True
                return False
            if self.stopped:
                return False
            if not _expected(e):
                raise
        if x.out.interrupted or self._time_left() <= 0:
            return False
        return self.round_calls > 0 or r == 0

    def run(self) -> None:
        x = self.x
        if x.s.replay:
            x.replay()
        r = 0
        if x.s.sampler in ("random", "adaptive"):
            self.active = self._unfound()
            self.run_uniform(x.s.max_examples, adaptive=x.s.sampler == "adaptive")
        while x.s.sampler in ("mixed", "hypothesis") and not self._done() and \
                x.out.generated < x.s.max_examples and self._time_left() > 0:
            if x.s.stop_at_first and x.out.best:
                break
            # A fixed schedule (not timing-based) keeps a seeded search reproducible; rounds stay
            # short because Hypothesis starts targeting half-way through each run. "mixed"
            # alternates Hypothesis rounds with adaptive (cross-entropy) ones of the same size.
            sizes = _MIXED_ROUNDS if x.s.sampler == "mixed" else _ROUNDS
            n = min(x.s.max_examples - x.out.generated, sizes[min(r, len(sizes) - 1)])
            self.active = self._unfound()
            if x.s.sampler == "mixed" and r % 2 == 1:
                if not self.run_uniform(n, adaptive=True):
                    break
            elif not self.run_round(r, n):
                break
            if x.s.descent and not self.descend():
                break
            r += 1
        if x.s.shrink and not x.s.stop_at_first and x.out.best and not x.out.interrupted:
            # Parameters that do not matter (an R the claim ignores) go first, cheaply, so that the
            # search rounds below look among instances smaller in what does matter.
            x.simplify(self.deadline, max_trials=20, values=False)
            self.smaller()
        if x.s.simplify and x.out.best and not x.out.interrupted:
            x.simplify(self.deadline)

    def smaller(self, rounds: int = 4, n: int = 60) -> None:
        """Shrinking by structure, as a search: rounds restricted to parameters below the smallest
        counterexample so far. Hypothesis' shrinker lowers one choice at a time, so it cannot move
        from, say, a D = 5 instance of the spec's generator to a D = 2 structured one; a fresh
        search among smaller parameters can."""
        x = self.x
        for key in [k for k in list(x.out.best) if k[0] != "stronger"]:
            claim = next((c for c in x.v.claims if c.id == key[1]), None)
            if claim is None:
                continue
            self.active = [claim]
            for r in range(rounds):
                best = x.out.best[key]
                size = sum(best.parameters.values())
                self.ranges = {p: (lo, min(hi, best.parameters.get(p, hi))) for p, (lo, hi) in x.ranges.items()}
                self.max_size = size - 1
                if self.max_size < sum(lo for lo, _hi in self.ranges.values()) or self._time_left() <= 0:
                    break
                self.pool = []
                self.run_round(r, n, tag=f"smaller-than-{size}")
                if x.s.descent and not self.stopped and x.out.best[key] is best:
                    self.descend(done=lambda key=key, best=best: x.out.best[key] is not best)
                if x.out.interrupted or self.stopped or x.out.best[key] is best:
                    break
                self.stopped = False
        self.ranges, self.max_size, self.stopped, self.pool = dict(x.ranges), None, False, []


def _expected(e: BaseException) -> bool:
    """Exceptions a Hypothesis run may end with that are not bugs: our findings, stops, flakiness."""
    from hypothesis.errors import Flaky, HypothesisException

    if isinstance(e, BaseExceptionGroup):
        return all(_expected(sub) for sub in e.exceptions)
    return isinstance(e, (_FoundError, _Stop, Flaky, HypothesisException))


def _interrupted(e: BaseException) -> bool:
    """Whether `e` is, or a group raised by Hypothesis holds, a KeyboardInterrupt (Ctrl-C, SIGTERM)."""
    if isinstance(e, BaseExceptionGroup):
        return any(_interrupted(sub) for sub in e.exceptions)
    return isinstance(e, KeyboardInterrupt)


def run_search(thm: Theorem, variant: Variant, s: SearchSettings, budget: float, store: Store) -> Outcome:
    """Run one search within `budget` seconds; returns what it found (also when interrupted)."""
    from hypothesis.configuration import set_hypothesis_home_dir

    x = _Search(thm, variant, s, budget, store)
    # Hypothesis keeps its files (caches beside its example database) in the search's store folder,
    # never in the working directory
    set_hypothesis_home_dir(Path(s.database) if s.database else Path(x.tmp.name))
    try:
        with deferred_interrupts():  # a signal stops the search at its next step, never mid-way
            _Driver(x).run()
    except BaseException as e:
        if not _interrupted(e):
            raise
        x.out.interrupted = True
    finally:
        set_hypothesis_home_dir(None)
        x.out.seconds = round(time.monotonic() - x.t0, 3)
        x.tmp.cleanup()
    return x.out
