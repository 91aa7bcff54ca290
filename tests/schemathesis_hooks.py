"""Schemathesis hooks for ``tests/service/test_schemathesis_cli.py`` (``SCHEMATHESIS_HOOKS``).

NDJSON and CSV bodies are text: Schemathesis sends the strings it generates for them as
it sends ``text/plain``.
"""

from __future__ import annotations

import schemathesis

schemathesis.serializer.alias(["application/x-ndjson", "text/csv"], "text/plain")
