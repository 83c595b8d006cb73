"""Exceptions raised by MCA and HCPC on bad input (all subclass ValueError)."""

from __future__ import annotations

__all__ = ["HCPCInputError", "MCAInputError", "NotFittedError"]


class MCAInputError(ValueError):
    """The data, weights or column lists given to ``MCA.fit`` cannot be used."""


class HCPCInputError(ValueError):
    """The arguments given to ``HCPC`` cannot be used."""


class NotFittedError(ValueError):
    """A result was asked of an MCA that has not been fitted yet."""
