"""emgforce: synchronised surface-EMG and force-plate work on the hip abductors.

The top-level import is kept light (no h5py, Qt, ezc3d or dask): import the
sub-packages you need, e.g. ``from emgforce import signal`` or
``from emgforce.io import Recording``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
