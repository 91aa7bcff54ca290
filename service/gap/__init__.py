"""Gap reports: job postings uploaded and read, demand against a cohort's verified skills.

Rooms: see ARCHITECTURE.md.
"""
