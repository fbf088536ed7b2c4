"""Importing the public layer loads no heavy back end (einops-style lazy loading)."""

import subprocess
import sys


def test_import_verifier_loads_neither_torch_nor_flint() -> None:
    code = ("import sys, verifier; "
            "print(sorted(m for m in ('torch', 'flint', 'hypothesis', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_api_is_explicit() -> None:
    import verifier

    assert set(verifier.__all__) <= set(dir(verifier))
    for name in ("Theorem", "Claim", "Assumption", "check_theorem", "CheckSettings", "RatMatrix"):
        assert name in verifier.__all__
