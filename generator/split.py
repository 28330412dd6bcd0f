"""Split generated models into a package with a module per API family.

Importing every model of every family costs a few hundred milliseconds; a chat call should pay
only for the chat models. Each schema goes to the module of the spec file it is defined in.
Annotations are not evaluated when a class is created (``from __future__ import annotations``
and deferred model building), so a module can import the other families' names after its own
classes: import cycles between families then resolve. Type aliases are evaluated at import, so
they come last, and may only name aliases of their own module or of a family without cycles.
"""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from .errors import SpecError


def family_modules(origin: dict[str, str], names: list[str]) -> dict[str, str]:
    """Module name (the spec file's stem) of each schema."""
    out = {}
    for name in names:
        path = origin.get(f"/components/schemas/{name}", "common.yaml")
        out[name] = PurePosixPath(path).stem.replace("-", "_")
    return out


def split_code(code: str, module_of: dict[str, str], header: str) -> tuple[dict[str, str], dict[str, str]]:
    """({module: source}, {name: module}) of the names ``code`` defines."""
    tree = ast.parse(code)
    lines = code.splitlines(keepends=True)

    def source(node: ast.stmt) -> str:
        start = node.lineno - 1
        if isinstance(node, ast.ClassDef) and node.decorator_list:
            start = node.decorator_list[0].lineno - 1
        return "".join(lines[start : node.end_lineno])

    imports = [source(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    imports = [line.replace("from ._models import", "from .._models import") for line in imports]
    classes: dict[str, list[ast.stmt]] = {}
    aliases: dict[str, list[ast.stmt]] = {}
    defined: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            name = node.name
            bucket = classes
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
            bucket = aliases
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            bucket = aliases
        else:
            continue
        module = module_of.get(name, "common")
        defined[name] = module
        bucket.setdefault(module, []).append(node)

    files: dict[str, str] = {}
    for module in sorted(set(classes) | set(aliases)):
        own = classes.get(module, []) + aliases.get(module, [])
        used = {n.id for node in own for n in ast.walk(node) if isinstance(n, ast.Name)}
        foreign: dict[str, list[str]] = {}
        for name in sorted(used):
            other = defined.get(name)
            if other is not None and other != module:
                foreign.setdefault(other, []).append(name)
        for node in aliases.get(module, []):
            for name in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}:
                other = defined.get(name)
                if other not in (None, module) and name in _alias_names(aliases.get(other, [])):
                    raise SpecError(
                        f"#/components/schemas/{_target(node)}",
                        f"this union names the union {name!r} of another family ({other}); define both in one file",
                    )
        parts = [header, *imports, "\n"]
        parts += [source(node) + "\n\n" for node in classes.get(module, [])]
        if foreign:
            parts.append("# Models of other families that these refer to (imported after the classes above, so\n# that families may refer to each other).\n")
            parts += [f"from .{other} import {', '.join(names)}  # noqa: E402\n" for other, names in sorted(foreign.items())]
            parts.append("\n")
        if aliases.get(module):
            parts.append("# Named unions of the spec.\n")
            parts += [source(node) + "\n" for node in aliases[module]]
        files[module] = "".join(parts)
    return files, defined


def _alias_names(nodes: list[ast.stmt]) -> set[str]:
    return {_target(n) for n in nodes}


def _target(node: ast.stmt) -> str:
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return "?"


def init_module(defined: dict[str, str], header: str) -> str:
    modules = sorted(set(defined.values()))
    table = "".join(f'    "{name}": "{module}",\n' for name, module in sorted(defined.items()))
    star = "".join(f"    from .{module} import *  # noqa: F403\n" for module in modules)
    exported = "".join(f'    "{name}",\n' for name in sorted(defined))
    return (
        f'{header}"""The models of the API, one module per API family, each imported the first time one of\n'
        'its names is used: ``relaykit.types.ChatCompletion`` loads the chat models only."""\n\n'
        "from __future__ import annotations\n\n"
        "import importlib\n"
        "from typing import TYPE_CHECKING, Any\n\n"
        f"if TYPE_CHECKING:\n{star}\n"
        f"_MODULE_OF = {{\n{table}}}\n\n"
        f"__all__ = [\n{exported}]\n\n\n"
        "def __getattr__(name: str) -> Any:\n"
        "    module = _MODULE_OF.get(name)\n"
        "    if module is None:\n"
        '        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")\n'
        "    value = getattr(importlib.import_module(f\".{module}\", __name__), name)\n"
        "    globals()[name] = value\n"
        "    return value\n\n\n"
        "def __dir__() -> list[str]:\n"
        "    return sorted(__all__)\n"
    )
