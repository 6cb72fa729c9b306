"""Loading a pickle without running code from it.

`pickle.load` calls whatever callable a file names, so a crafted file can run arbitrary
code. MultiBench ships its affect data as pickles; we read them with an unpickler that
admits only what those files contain (numpy arrays, dtypes, scalars and plain containers)
and refuses every other global before anything is called.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

__all__ = ["UnsafePickleError", "safe_load"]

# (module, name) pairs a numpy-array pickle needs; containers and scalars need no globals
ALLOWED = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("builtins", "slice"),
    ("_codecs", "encode"),
    ("collections", "OrderedDict"),
}


class UnsafePickleError(pickle.UnpicklingError):
    """The file asks to call something other than numpy-array reconstruction."""


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED:
            raise UnsafePickleError(
                f"refusing to load {module}.{name} from the pickle: only numpy arrays and plain "
                "containers are allowed (the file may be corrupt or malicious)"
            )
        return super().find_class(module, name)


def safe_load(path: str | Path) -> Any:
    """Unpickle `path` admitting only numpy arrays, dtypes and plain containers.

    Raises FileNotFoundError, UnsafePickleError, or ValueError for a truncated/corrupt file.
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        return _NumpyOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()
    except UnsafePickleError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, AttributeError) as err:
        raise ValueError(f"{path} is not a readable pickle (truncated or corrupt?): {err}") from err
