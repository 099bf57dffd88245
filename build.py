"""Build the DSP kernel as the cffi extension ``tracker._dsp`` (API mode, out-of-line).

The cdef is the kernel's public header itself, minus the preprocessor lines
cffi cannot parse, so the Python side can never drift from the C side.
"""

import re
from pathlib import Path

from cffi import FFI

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
    extra_compile_args=["-O3", "-std=c11", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    libraries=["m"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
