"""Candidates: verified-skill profiles, the tenant's tags, erasure and export.

Rooms: see ARCHITECTURE.md.
"""
