"""A tempting rank bound: rank(AB) >= min(rank A, rank B). Random matrices never refute it."""

from verifier import Parameter, Source, Theorem, forall


@forall("product-rank", r"$\mathrm{rank}(AB) \ge \min(\mathrm{rank}\,A, \mathrm{rank}\,B)$")
def product_rank(x):
    return x.rank(x.A @ x.B) >= x.min(x.rank(x.A), x.rank(x.B))


FALSE_RANK = Theorem(
    id="FALSE-RANK", title="The rank of a product is at least the smaller rank (false)",
    statement=r"$\mathrm{rank}(AB) \ge \min(\mathrm{rank}\,A, \mathrm{rank}\,B)$ for $A \in \mathbb{R}^{m \times p}$, "
              r"$B \in \mathbb{R}^{p \times n}$.",
    source=Source(citation="a tempting converse of rank(AB) <= min(rank A, rank B)", kind="conjecture"),
    parameters=(Parameter("m", low=1, high=5), Parameter("p", low=1, high=5), Parameter("n", low=1, high=5)),
    shapes={"A": ("m", "p"), "B": ("p", "n")},
    claims=(product_rank,),
)
