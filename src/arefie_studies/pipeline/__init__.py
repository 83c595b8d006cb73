"""arefie_studies.pipeline"""
