"""The house: no import circles in lmn_utils (imports inside functions count), and the measures
standing alone (they import nothing from the rest of the package but `device`)."""
import ast
import pathlib

import lmn_utils

PACKAGE = pathlib.Path(lmn_utils.__file__).parent


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path, modules):
    """The lmn_utils modules `path` imports anywhere in its code (top level or in a function)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[:len(base) - node.level + 1] if node.level else []
            root = ".".join(base + ([node.module] if node.module else []))
            targets = [root] + [f"{root}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in modules and t != name}
    return found


def import_graph():
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imported_modules(path, paths) for name, path in paths.items()}


def cycles(graph):
    """Every module that can reach itself, with one path back to it."""
    found = {}
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    found[start] = path + [start]
                elif nxt not in seen and not nxt.startswith(start + "."):
                    seen.add(nxt)
                    stack.append((nxt, path + [nxt]))
    return found


def test_the_package_has_no_import_circle():
    graph = {name: {m for m in deps if not name.startswith(m + ".")}  # a module's own package
             for name, deps in import_graph().items()}
    assert cycles(graph) == {}


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == {"a": ["a", "b", "a"],
                                                            "b": ["b", "a", "b"]}


def test_the_measures_import_nothing_outside_them_but_device():
    allowed = {"lmn_utils.device"}
    for name, deps in import_graph().items():
        if name.startswith("lmn_utils.measures"):
            outside = {d for d in deps if not d.startswith("lmn_utils.measures")} - allowed
            assert outside == set(), f"{name} imports {sorted(outside)}"
