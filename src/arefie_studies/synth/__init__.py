"""arefie_studies.synth"""
