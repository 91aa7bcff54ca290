"""The credmatch service: HTTP API, database, application services and CLI."""

import os

# A credmatch process serves one request per thread, and each request's parallel work is
# ONNX Runtime's (its own thread pool). OpenMP and BLAS worker threads (FAISS, NumPy) spin
# between parallel regions and take the cores the encoder needs: with them limited to one
# thread, /v1/match at 100k candidates went from 112 to 81 ms p50 (benchmarks/RESULTS.md).
# Set before FAISS and NumPy load their runtimes, which read it once; an explicit value wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")
