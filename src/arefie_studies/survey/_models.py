"""Design-based association tests and GLMs (placeholder: filled by the models work)."""


class ModelsMixin:
    """Model and test methods of :class:`SurveyDesign` (chisq, glm)."""
