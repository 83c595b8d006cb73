"""arefie_studies.charts"""
