"""The plan of the code holds: the core never imports its adapters (the OctoPrint plugin, the command line) or
OctoPrint, printer profiles do not import the slicers, no two modules import each other (directly or around a
loop, at the top or inside a function), and no module takes another module's private names."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "octoprint_img2print"
ROOT = PACKAGE.name
ADAPTERS = (f"{ROOT}.plugin", f"{ROOT}.command")


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(path): path for path in PACKAGE.rglob("*.py")}


def _type_checking_only(tree: ast.Module) -> set[int]:
    """The ids of the import nodes inside ``if TYPE_CHECKING:`` blocks (for annotations only, never run)."""
    return {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
            and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
            for node in ast.walk(block)}


def _imports(module: str) -> list[tuple[str, str]]:
    """(module imported, name taken) for every import the module runs; the name is '' for a whole module."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    skipped = _type_checking_only(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base)
            found += [(f"{target}.{alias.name}", "") if f"{target}.{alias.name}" in MODULES else (target, alias.name)
                      for alias in node.names]
    return found


def _graph() -> dict[str, set[str]]:
    """Which of the package's modules each imports (the package's own ``__init__`` aside: OctoPrint's entry point
    imports the plugin when OctoPrint loads it, and the metadata it holds is read by everyone)."""
    return {module: {target for target, _name in _imports(module) if target in MODULES and target != ROOT}
            for module in MODULES if module != ROOT}


def _loops(graph: dict[str, set[str]]) -> list[set[str]]:
    """Groups of modules that reach each other (strongly connected, more than one)."""
    reach = {module: set() for module in graph}
    for start in graph:
        stack = list(graph[start])
        while stack:
            module = stack.pop()
            if module not in reach[start]:
                reach[start].add(module)
                stack.extend(graph.get(module, ()))
    groups = {frozenset({m for m in graph if m in reach[start] and start in reach[m]} | {start})
              for start in graph if start in reach[start]}
    return [set(group) for group in groups]


def test_no_two_modules_import_each_other():
    assert _loops(_graph()) == []


def test_no_module_takes_another_modules_private_names():
    taken = [(module, f"{target}.{name}") for module in MODULES for target, name in _imports(module)
             if target.startswith(ROOT) and name.startswith("_") and name != "_" and not name.startswith("__")]
    assert taken == []


def test_the_core_imports_no_adapter_and_not_octoprint():
    core = [module for module in MODULES if not module.startswith(ADAPTERS) and module != ROOT]
    wrong = [(module, target) for module in core for target, _name in _imports(module)
             if target.startswith(ADAPTERS) or target.split(".")[0] in ("octoprint", "flask", "flask_login")]
    assert wrong == []


def test_printer_profiles_do_not_import_the_slicers():
    wrong = [(module, target) for module in MODULES if module.startswith(f"{ROOT}.printers")
             for target, _name in _imports(module) if target.startswith(f"{ROOT}.slicing")]
    assert wrong == []


def test_the_checks_see_a_loop_and_read_relative_imports():
    """The checks above can fail: a loop made up here is found, and relative imports are read as what they name."""
    assert _loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert (f"{ROOT}.command.shared", "") in _imports(f"{ROOT}.command.main")
    assert (f"{ROOT}.i18n", "_") in _imports(f"{ROOT}.command.main")
