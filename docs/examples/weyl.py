"""Weyl's inequalities for singular values: s_{i+j-1}(A + B) <= s_i(A) + s_j(B)."""

from verifier import Parameter, Source, Theorem, forall


@forall("weyl", r"$\sigma_{i+j-1}(A+B) \le \sigma_i(A) + \sigma_j(B)$ for $i + j - 1 \le \min(m, n)$",
        levels=("float", "certified"))
def weyl(x):
    r = min(x.m, x.n)
    return [x.sv(x.A + x.B, i + j - 1) <= x.sv(x.A, i) + x.sv(x.B, j)
            for i in range(1, r + 1) for j in range(1, r + 2 - i)]


WEYL = Theorem(
    id="WEYL",
    title="Weyl's inequalities for singular values",
    statement=r"$\sigma_{i+j-1}(A+B) \le \sigma_i(A) + \sigma_j(B)$ for $A, B \in \mathbb{R}^{m \times n}$.",
    source=Source(citation="Horn & Johnson, Topics in Matrix Analysis", kind="book", number="Theorem 3.3.16"),
    parameters=(Parameter("m", low=1, high=4), Parameter("n", low=1, high=4)),
    shapes={"A": ("m", "n"), "B": ("m", "n")},
    claims=(weyl,),
)
