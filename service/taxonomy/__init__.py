"""Taxonomy: one feature of the service."""
