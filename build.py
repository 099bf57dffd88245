"""Build the DSP kernel as the cffi extension ``tracker._dsp`` (API mode, out-of-line).

The cdef is the kernel's public header itself, minus the preprocessor lines
cffi cannot parse, so the Python side can never drift from the C side.

This module is also the project's PEP 517 build backend: setuptools' own,
with ``cffi_modules`` passed to ``setup()``, because cffi cannot be configured
from pyproject.toml. ``python build.py`` compiles the extension in place.
"""

import re
from pathlib import Path

from cffi import FFI
from setuptools import build_meta as _setuptools_backend

ROOT = Path(__file__).resolve().parent
DSP_DIR = ROOT / "dsp_c"
HEADER = DSP_DIR / "tk_dsp.h"

_DEFINE_CONSTANT = re.compile(r"^#define\s+\w+\s+\d+\b")


def header_cdef(text: str) -> str:
    """Keep declarations and integer #defines; drop guards, includes and comments after defines."""
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            match = _DEFINE_CONSTANT.match(line)
            if match:
                lines.append(match.group(0))
            continue
        lines.append(line)
    return "\n".join(lines)


ffibuilder = FFI()
ffibuilder.cdef(header_cdef(HEADER.read_text()))
ffibuilder.set_source(
    "tracker._dsp",
    '#include "tk_dsp.h"',
    sources=sorted(str(p.relative_to(ROOT)) for p in DSP_DIR.glob("*.c")),
    include_dirs=[str(DSP_DIR.relative_to(ROOT))],
    extra_compile_args=[
        "-O3",
        "-std=c11",
        "-fno-math-errno",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "-pthread",
    ],
    extra_link_args=["-pthread"],
    libraries=["m"],
)


class _Backend(_setuptools_backend._BuildMetaBackend):
    def run_setup(self, setup_script: str = "setup.py") -> None:
        import setuptools

        setuptools.setup(cffi_modules=["build.py:ffibuilder"])


_backend = _Backend()
get_requires_for_build_wheel = _backend.get_requires_for_build_wheel
get_requires_for_build_sdist = _backend.get_requires_for_build_sdist
get_requires_for_build_editable = _backend.get_requires_for_build_editable
prepare_metadata_for_build_wheel = _backend.prepare_metadata_for_build_wheel
prepare_metadata_for_build_editable = _backend.prepare_metadata_for_build_editable
build_wheel = _backend.build_wheel
build_sdist = _backend.build_sdist
build_editable = _backend.build_editable

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
