"""Credentials: one feature of the service."""
