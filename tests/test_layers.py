"""Layer rules import-linter cannot see: the compiled kernel has one door."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tracker"
DOOR = PACKAGE / "engine" / "native.py"


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_only_the_native_module_imports_the_compiled_kernel() -> None:
    offenders = [
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if path != DOOR and any(name.startswith("tracker._dsp") for name in imports_of(path))
    ]
    assert offenders == []
    assert "tracker._dsp" in imports_of(DOOR)


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from tracker._dsp import lib\n")
    assert "tracker._dsp" in imports_of(probe)
