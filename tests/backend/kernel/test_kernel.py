"""The shared kernel stays shared: it imports no backend domain package (nor the bot), the
ticket-number grammar only the standard library (nlu/ imports it, and Rasa's environment may
one day), and the push kinds are defined there only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from tests.test_import_cycles import ROOT, import_graph

KERNEL = ROOT / "backend" / "kernel"


def test_the_kernel_imports_nothing_of_the_project_but_itself() -> None:
    graph = import_graph()
    kernel = {name: targets for name, targets in graph.items()
              if name.startswith("backend.kernel")}
    assert "backend.kernel.pushes" in kernel  # the graph reaches it
    assert {name: sorted(t for t in targets if not t.startswith("backend.kernel"))
            for name, targets in kernel.items()} == {name: [] for name in kernel}


def test_the_ticket_number_grammar_needs_only_the_standard_library() -> None:
    tree = ast.parse((KERNEL / "ticket_numbers.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= sys.stdlib_module_names | {"__future__"}


def test_push_kinds_are_defined_once() -> None:
    defined = [str(path.relative_to(ROOT)) for package in ("backend", "bot")
               for path in sorted((ROOT / package).rglob("*.py"))
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.ClassDef) and node.name.endswith("PushKind")]
    assert defined == ["backend/kernel/pushes.py"]


def test_the_kernel_package_says_what_it_is() -> None:
    import backend.kernel

    assert "shared kernel" in (backend.kernel.__doc__ or "")
    assert Path(backend.kernel.__file__).parent == KERNEL
