"""Counterexample search: Hypothesis over structured instances of any spec, certified findings.

`search_theorem(thm, SearchSettings(...))` searches for certified counterexamples to a theorem's
claims (or, with `drop` / `threshold_offset`, shows which assumptions and thresholds matter);
`drop_all` is the assumption-necessity table; `search_json` is the report's "search" entry.
Importing this package loads neither Hypothesis nor torch; running a search does.
"""

from verifier._search._analysis import drop_all as drop_all
from verifier._search._analysis import search_theorem as search_theorem
from verifier._search._json import search_json as search_json
from verifier._search._model import DropRow as DropRow
from verifier._search._model import Finding as Finding
from verifier._search._model import SearchResult as SearchResult
from verifier._search._model import SearchSettings as SearchSettings
from verifier._search._model import StrongerRow as StrongerRow
from verifier._search._model import ThresholdRow as ThresholdRow

__all__ = ["DropRow", "Finding", "SearchResult", "SearchSettings", "StrongerRow", "ThresholdRow", "drop_all",
           "search_json", "search_theorem"]
