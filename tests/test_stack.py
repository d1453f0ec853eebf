"""The pinned stack: constraints.txt pins what .venv holds and the Makefile installs with it; the book's
Sphinx extensions patch no other package."""
import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"
NOT_PINNED = {"ae", "pip", "setuptools", "wheel"}  # the course itself, and the venv's own installers


def pins() -> dict[str, str]:
    """The constraints file as {normalized name: pinned version}; every line must be ``name==version``."""
    pinned = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"not an exact pin: {line!r}"
        name = canonicalize_name(requirement.name)
        assert name not in pinned, f"{name} pinned twice"
        pinned[name] = specifiers[0].version
    return pinned


def test_constraints_pin_every_installed_distribution():
    if sys.prefix == sys.base_prefix:
        pytest.skip("not running in a virtual environment: the pins describe .venv")
    installed = {canonicalize_name(dist.metadata["Name"]): dist.version for dist in importlib.metadata.distributions()}
    pinned = pins()
    missing = sorted(f"{name}=={installed[name]}" for name in set(installed) - set(pinned) - NOT_PINNED)
    assert not missing, f"installed but not pinned in {CONSTRAINTS.name} (add them): {missing}"
    stale = sorted(f"{name}: installed {installed[name]}, pinned {pinned[name]}"
                   for name in set(installed) & set(pinned) - NOT_PINNED if installed[name] != pinned[name])
    assert not stale, f"the venv differs from {CONSTRAINTS.name} (run make, or update the pins): {stale}"


def test_the_makefile_installs_with_the_constraints():
    makefile = (ROOT / "Makefile").read_text()
    rule = re.search(r"^\$\(VENV\)/\.installed:(.*)\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert rule, "the Makefile has no $(VENV)/.installed rule"
    assert "constraints.txt" in rule[1].split(), "the .installed stamp must depend on constraints.txt"
    installs = [line for line in rule[2].splitlines() if re.search(r"\bpip install\b", line)]
    assert any("-e '.[dev]'" in line for line in installs)
    assert installs and all(re.search(r"(-c|--constraint) constraints\.txt\b", line) for line in installs), installs


def patches(source: str) -> list[str]:
    """Where ``source`` changes another package: an assignment to, or ``setattr``/``delattr`` on, an attribute
    of an imported name, or an import of a private module or name (one starting with ``_``)."""
    tree = ast.parse(source)
    imported, found = set(), []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                imported.add((alias.asname or alias.name).split(".")[0])
                dotted = f"{getattr(node, 'module', None) or ''}.{alias.name}"
                private = any(part.startswith("_") for part in dotted.split(".") if part)
                if private and getattr(node, "module", None) != "__future__":
                    found.append(f"line {node.lineno}: imports the private {dotted.strip('.')}")

    def root(node):
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, ast.Delete) else [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and root(target) in imported:
                found.append(f"line {node.lineno}: sets {ast.unparse(target)}")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr")
                and node.args and root(node.args[0]) in imported):
            found.append(f"line {node.lineno}: {node.func.id} on {ast.unparse(node.args[0])}")
    return found


def test_the_check_finds_a_monkeypatch():
    assert patches("from myst_nb.core import render\nrender.coalesce_streams = print\n")
    assert patches("import myst_nb.core.render as r\nsetattr(r, 'coalesce_streams', print)\n")
    assert patches("from sphinx.builders.html._assets import _JavaScript\n")
    assert not patches("def setup(app):\n    app.connect('html-page-context', print)\n")
    assert not patches("from __future__ import annotations\n")


@pytest.mark.parametrize("path", sorted((ROOT / "book" / "_ext").glob("**/*.py")), ids=lambda p: p.name)
def test_book_extensions_patch_no_other_package(path):
    assert not patches(path.read_text()), f"{path.relative_to(ROOT)} patches another package"
