"""arefie_studies.studies"""
