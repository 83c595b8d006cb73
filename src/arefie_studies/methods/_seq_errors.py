"""Exception for the state-sequence functions."""


class SequenceDataError(ValueError):
    """Bad input for a state-sequence function (names the argument, column and rows)."""
