"""Matching: one feature of the service."""
