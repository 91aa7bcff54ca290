"""Errors raised by the taxonomy package."""

from __future__ import annotations


class TaxonomyError(Exception):
    """Base class of every error raised by :mod:`taxonomy`."""


class TaxonomyFormatError(TaxonomyError):
    """A taxonomy file is missing, unreadable, or lacks a column or value it must have.

    The message names the file (and the line, where one is at fault) and what is wrong.
    """


class PackagedTaxonomyError(TaxonomyError):
    """A packaged taxonomy source could not be fetched or did not match its pinned hash."""
