"""Eckart-Young-Mirsky (spectral norm): no matrix of rank <= k is closer to A than s_{k+1}(A)."""

from verifier import Parameter, Source, Theorem, exists, forall


@forall("lower-bound", r"$\|A - XY\|_2 \ge \sigma_{k+1}(A)$ for all $X \in \mathbb{R}^{m \times k}, "
                       r"Y \in \mathbb{R}^{k \times n}$")
def lower_bound(x):
    return x.norm2(x.A - x.X @ x.Y) >= x.sv(x.A, x.k + 1)


@exists("attained", r"$\|A - \mathrm{LR}_k(A)\|_2 = \sigma_{k+1}(A)$", levels=("float", "certified"))
def attained(x):
    return (x.norm2(x.A - x.lowrank(x.A, x.k)) <= x.sv(x.A, x.k + 1)).approx(x.norm2(x.A))


EYM = Theorem(
    id="EYM",
    title="Eckart-Young-Mirsky, spectral norm",
    statement=r"$\min_{\mathrm{rank}\,B \le k} \|A - B\|_2 = \sigma_{k+1}(A)$, attained by the truncated SVD.",
    source=Source(citation="Golub & Van Loan, Matrix Computations, 4th ed.", kind="book", number="Theorem 2.4.8"),
    parameters=(Parameter("m", low=1, high=4), Parameter("n", low=1, high=4), Parameter("k", low=0, high=3)),
    shapes={"A": ("m", "n"), "X": ("m", "k"), "Y": ("k", "n")},
    claims=(lower_bound, attained),
)
