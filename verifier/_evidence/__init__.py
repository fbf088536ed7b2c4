"""Evidence beyond sampled points: ReLU networks decided on all of R^D (or a polyhedron), laws of
random inputs with exact or certified expectations, certified lower bounds for existential error
bounds, and refutations of probability-one statements.

Private: specs use the facade `verifier.evidence`. Every module here loads python-flint (and,
for float linear programs, scipy) only when it is imported.
"""
