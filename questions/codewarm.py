"""The forkserver's preload for questions.coderun: the libraries code blocks use, imported once."""

import contextlib
import importlib
import os

# One thread per block: blocks run two at a time on a shared machine. Set before NumPy loads.
for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[name] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")

WARM_MODULES = ("numpy", "scipy", "scipy.stats", "pandas", "sklearn", "sklearn.linear_model")
for module in WARM_MODULES:
    with contextlib.suppress(ImportError):  # a block that needs one reports the ImportError
        importlib.import_module(module)
