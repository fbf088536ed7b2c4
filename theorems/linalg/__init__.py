"""Classical matrix facts as specs: what the paper's results rest on, checked like any theorem."""

from verifier import SpecPackage

PACKAGE = SpecPackage(name="linalg", title="Classical linear algebra (Eckart-Young-Mirsky, Weyl, Mirsky, ranks, C.1)",
                      theorems=())

__all__ = ["PACKAGE"]
