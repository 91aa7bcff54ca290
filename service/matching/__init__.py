"""Matching: a job to ranked candidates, over the per-tenant candidate index.

Rooms: see ARCHITECTURE.md.
"""
