"""The compiled kernel (``tracker._dsp``, built by build.py from dsp_c/).

The one module that imports it, so the kernel's memory and threading rules
have one door. import-linter cannot see compiled modules; tests/test_layers.py
checks that nothing else imports ``tracker._dsp``.
"""

from tracker._dsp import ffi, lib

__all__ = ["ffi", "lib"]
