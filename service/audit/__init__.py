"""Audit: one feature of the service."""
