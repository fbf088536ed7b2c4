"""A tempting misreading of Weyl: s_i(A + B) <= s_i(A) + s_i(B) for every i. It is false."""

from verifier import Parameter, Source, Theorem, forall


@forall("same-index", r"$\sigma_i(A+B) \le \sigma_i(A) + \sigma_i(B)$ for all $i \le \min(m, n)$",
        levels=("float", "certified"))
def same_index(x):
    return [x.sv(x.A + x.B, i) <= x.sv(x.A, i) + x.sv(x.B, i) for i in range(1, min(x.m, x.n) + 1)]


FALSE_WEYL = Theorem(
    id="FALSE-WEYL", title="Singular values are subadditive index by index (false)",
    statement=r"$\sigma_i(A+B) \le \sigma_i(A) + \sigma_i(B)$ for all $i$.",
    source=Source(citation="a tempting misreading of Weyl's inequality (j = i instead of j = 1)", kind="conjecture"),
    parameters=(Parameter("m", low=1, high=6), Parameter("n", low=1, high=6)),
    shapes={"A": ("m", "n"), "B": ("m", "n")},
    claims=(same_index,),
)
