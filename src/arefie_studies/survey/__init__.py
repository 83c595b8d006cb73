"""arefie_studies.survey"""
