"""arefie_studies.io"""
