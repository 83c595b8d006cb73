"""arefie_studies.methods"""
