"""arefie-studies: design-based survey analysis and partner-ready reports for the AREFIE observatory."""

__version__ = "0.1.0"
