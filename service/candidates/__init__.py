"""Candidates: one feature of the service."""
