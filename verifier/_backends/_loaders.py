"""Registers each back end by a factory that imports its library only when it is asked for."""

from __future__ import annotations

from typing import Any

from verifier._backends._base import Context, register


@register("exact")
def _exact(**options: Any) -> Context:
    from verifier._backends._exact import ExactContext

    return ExactContext(**options)


@register("certified")
def _certified(**options: Any) -> Context:
    from verifier._backends._certified import CertifiedContext

    return CertifiedContext(**options)


@register("mp")
def _mp(**options: Any) -> Context:
    from verifier._backends._mp import MpContext

    return MpContext(**options)


@register("float")
def _float(**options: Any) -> Context:
    from verifier._backends._float import FloatContext

    return FloatContext(**options)
