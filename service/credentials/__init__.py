"""Credentials: ingest, quarantine, batch jobs, reverification, presentations, verify.

Rooms: see ARCHITECTURE.md.
"""
