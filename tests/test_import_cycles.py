"""No import cycles: neither between modules (of `backend`, `bot` and `nlu`) nor between the
backend's domain packages; and the backend's services never import the bot.

The import graph is read from the source with `ast` (nothing is imported). The criterion is
**module-level imports only**: the statements Python runs when the module is first imported,
i.e. those at the top of the module, also inside a top-level `if`/`try`/`with` or a class
body, but not inside a function (a deferred import) and not under `if TYPE_CHECKING:` (never
run). `from backend.a import b` is an edge to the module `backend.a.b` if there is one, else to
`backend.a`; an edge to `backend.a.b` is also one to its package `backend.a` (its `__init__`
runs first).

- Modules: no two modules may import each other, directly or through others.
- Domain packages (`backend/<domain>/`, e.g. tickets, sla, surveys): package A depends on B
  when a module of A imports a module of B; that graph has no cycle either. The top-level
  modules (`app.py`, `deps.py`, `wiring.py`, …) are no domain: `app.py` may import every
  domain. The shared kernel (`backend/kernel/`) is below every domain and imports none.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend"
PACKAGES = ("backend", "bot", "nlu")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES
            for path in sorted((ROOT / package).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _module_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements run at import time (not in functions, not for type checkers)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody,
                          *(handler.body for handler in node.handlers)):
                yield from _module_level(block)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _module_level(node.body)


def _with_packages(target: str, modules: dict[str, Path]) -> set[str]:
    """`target` and the packages above it (inside its top-level package) that are modules."""
    parts = target.split(".")
    return {".".join(parts[:n]) for n in range(2, len(parts) + 1)} & modules.keys()


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project's modules `name` imports at module level."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _module_level(tree.body):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        for target in targets:
            if target.split(".")[0] in PACKAGES:
                found |= _with_packages(target, modules)
    # A module's own packages are initialised before it (an edge to them is no cycle risk: a
    # package's __init__ may import its modules).
    return found - _with_packages(name, modules)


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def domain_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "backend" and (BACKEND / parts[1]).is_dir():
        return parts[1]
    return None


def domain_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    domains: dict[str, set[str]] = {}
    for module, targets in graph.items():
        source = domain_of(module)
        if source is None:
            continue
        edges = domains.setdefault(source, set())
        edges |= {domain_of(t) for t in targets} - {None, source}
    return domains


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_graph_is_read() -> None:
    """A guard against a test that passes because it reads nothing."""
    graph = import_graph()
    assert "backend.tickets.service" in graph["backend.tickets.router"]
    assert "tickets" in domain_graph(graph)["sla"]


def test_no_cycle_between_modules() -> None:
    assert cycles(import_graph()) == []


def test_no_cycle_between_domain_packages() -> None:
    assert cycles(domain_graph(import_graph())) == []


def test_the_backend_service_does_not_import_the_bot() -> None:
    """The CLI wires both processes together; nothing else of the backend knows the bot."""
    graph = import_graph()
    assert "bot.dialogue.engine" in graph["bot.main"]  # the graph reaches the bot
    # `frontdesk up` (backend/commands/up.py) runs the bot after starting the backend.
    wiring = {"backend.cli", "backend.commands.up"}
    reaching = {module: sorted(t for t in targets if t.startswith("bot"))
                for module, targets in graph.items()
                if module.startswith("backend.") and module not in wiring}
    assert {module: found for module, found in reaching.items() if found} == {}


def test_the_bot_and_the_nlu_take_only_the_kernel_from_the_backend() -> None:
    """What both processes share is named as shared: `backend/kernel/` (settings, clock,
    database, crypto, signing, workers, rate limits, business calendar, push contract,
    ticket-number grammar), which imports no other part of the backend."""
    graph = import_graph()
    assert "backend.kernel.config" in graph["bot.main"]  # the graph reaches the kernel
    outside = {module: sorted(t for t in targets if t.startswith("backend.")
                              and not t.startswith("backend.kernel"))
               for module, targets in graph.items() if module.startswith(("bot", "nlu"))}
    assert {module: found for module, found in outside.items() if found} == {}
    kernel = {module: sorted(t for t in targets if t.startswith("backend.")
                             and not t.startswith("backend.kernel"))
              for module, targets in graph.items() if module.startswith("backend.kernel")}
    assert {module: found for module, found in kernel.items() if found} == {}


if __name__ == "__main__":  # print the cycles: python -m tests.test_import_cycles
    graph = import_graph()
    print("modules:", *cycles(graph), sep="\n  ")
    print("domains:", *cycles(domain_graph(graph)), sep="\n  ")
