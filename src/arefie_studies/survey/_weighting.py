"""Post-stratification, raking, calibration and trimming (placeholder: filled by the weighting work)."""


class WeightingMixin:
    """Weighting methods of :class:`SurveyDesign` (poststratify, rake, calibrate, trim)."""
