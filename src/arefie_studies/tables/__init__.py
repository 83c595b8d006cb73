"""arefie_studies.tables"""
