"""Specification of the import rules in ARCHITECTURE.md: layers point down, contexts keep privates.

Every import counts, at module level or inside a function: an in-function import is still a
dependency, and hiding one there to dodge a cycle is what these rules exist to catch.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Which top-level packages each package may import (besides itself and third-party code).
ALLOWED_LAYERS: dict[str, set[str]] = {
    "domain": set(),
    "prompts": set(),
    "knowledge": {"domain"},
    "tools": {"domain", "knowledge"},
    "agent": {"domain", "tools", "knowledge", "prompts"},
    "channels": {"domain", "tools", "knowledge", "prompts", "agent"},
    "evals": {"domain", "tools", "knowledge", "prompts", "agent", "channels"},
    "api": {"domain", "tools", "knowledge", "prompts", "agent", "channels"},
    # The `frontdesk` command: api's commands and evals' one; nothing imports it.
    "frontdesk": {"api", "evals"},
    # The fakes and throwaway servers tests and benchmarks share; nothing else may import them.
    "testkit": {"domain", "tools", "knowledge", "prompts", "agent", "channels", "evals", "api"},
    "bench": {
        "domain",
        "tools",
        "knowledge",
        "prompts",
        "agent",
        "channels",
        "evals",
        "api",
        "testkit",
    },
}
PROJECT_PACKAGES = {*ALLOWED_LAYERS, "tests"}
# What each context's docstring promises it never imports.
CONTEXTS_NEVER_IMPORTED: dict[str, set[str]] = {
    "scheduling": {"booking", "clients", "conversations", "documents", "notifications"},
    "booking": {"conversations", "documents", "notifications"},
    "clients": {"booking", "scheduling", "documents", "conversations"},
    "catalog": {"scheduling", "booking", "conversations", "notifications"},
    "documents": {"booking", "scheduling", "notifications"},
    "conversations": {
        "booking",
        "catalog",
        "clients",
        "documents",
        "notifications",
        "scheduling",
        "staff",
    },
    "staff": {"booking", "scheduling", "catalog", "documents", "conversations", "notifications"},
    "notifications": {"documents", "conversations"},
    "reporting": {"clients", "catalog", "documents", "notifications"},
}
# Inside domain: what is not a bounded context. The kernel sits under every context.
KERNEL = "kernel"
SHARED = {"models", KERNEL}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name of the importing file
    imported: str  # dotted module name it names
    where: str  # file:line, for the failure message


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(path: Path, root: Path = ROOT) -> Iterator[Import]:
    importer = module_name(path, root)
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(importer, alias.name, where)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importer's package
                base = importer.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield Import(importer, module, where)
            for alias in node.names:  # `from domain.booking import bookings` names a module too
                yield Import(importer, f"{module}.{alias.name}", where)


def project_imports(package: str, root: Path = ROOT) -> list[Import]:
    found: list[Import] = []
    for path in sorted((root / package).rglob("*.py")):
        if "migrations" in path.parts and "versions" in path.parts:
            continue
        found.extend(
            i for i in imports_in(path, root) if i.imported.split(".")[0] in PROJECT_PACKAGES
        )
    return found


def context_of(module: str, root: Path = ROOT) -> str | None:
    """The domain context (or shared part) a domain module belongs to; None for loose modules."""
    parts = module.split(".")
    if parts[0] != "domain" or len(parts) < 2:
        return None
    return parts[1] if (root / "domain" / parts[1]).is_dir() else None


def is_private(module: str) -> bool:
    return any(part.startswith("_") and part != "__init__" for part in module.split(".")[2:])


def upward_imports(package: str, root: Path = ROOT) -> list[str]:
    return [
        f"{i.where}: {i.importer} imports {i.imported}"
        for i in project_imports(package, root)
        if (top := i.imported.split(".")[0]) != package and top not in ALLOWED_LAYERS[package]
    ]


def shared_reaching_into_contexts(root: Path = ROOT) -> list[str]:
    return [
        f"{i.where}: {i.importer} imports {i.imported}"
        for i in project_imports("domain", root)
        if context_of(i.importer, root) in SHARED
        and i.imported.startswith("domain.")
        and context_of(i.imported, root) not in SHARED
    ]


def private_reaches(package: str, root: Path = ROOT) -> list[str]:
    return [
        f"{i.where}: {i.importer} imports {i.imported}"
        for i in project_imports(package, root)
        if is_private(i.imported)
        and context_of(i.imported, root) is not None
        and context_of(i.importer, root) != context_of(i.imported, root)
    ]


def domain_cycles(root: Path = ROOT) -> list[str]:
    graph: dict[str, set[str]] = {}
    modules = {module_name(p, root) for p in (root / "domain").rglob("*.py")}
    for i in project_imports("domain", root):
        target = i.imported if i.imported in modules else i.imported.rpartition(".")[0]
        if target in modules and target != i.importer and not i.importer.startswith(target + "."):
            graph.setdefault(i.importer, set()).add(target)
    cycles: list[str] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


@pytest.mark.parametrize("package", sorted(ALLOWED_LAYERS))
def test_packages_import_only_the_layers_below_them(package: str) -> None:
    assert upward_imports(package) == []


def test_the_kernel_and_the_models_import_no_context() -> None:
    assert shared_reaching_into_contexts() == []


@pytest.mark.parametrize("package", sorted(PROJECT_PACKAGES))
def test_no_module_reaches_into_another_contexts_private_modules(package: str) -> None:
    assert private_reaches(package) == []


@pytest.mark.parametrize("context", sorted(CONTEXTS_NEVER_IMPORTED))
def test_contexts_keep_away_from_what_their_docstring_excludes(context: str) -> None:
    excluded = CONTEXTS_NEVER_IMPORTED[context]
    reaching = [
        f"{i.where}: {i.importer} imports {i.imported}"
        for i in project_imports("domain")
        if context_of(i.importer) == context and context_of(i.imported) in excluded
    ]
    assert reaching == []


def test_domain_modules_import_each_other_without_cycles() -> None:
    assert domain_cycles() == []


def test_each_rule_reports_a_violation(tmp_path: Path) -> None:
    """The checks themselves can fail: a made-up tree breaking every rule is caught by each."""
    files = {
        "domain/__init__.py": "",
        "domain/kernel/__init__.py": "",
        "domain/kernel/clock.py": "from domain.booking import lifecycle\n",
        "domain/booking/__init__.py": "",
        "domain/booking/_retry.py": "",
        "domain/booking/lifecycle.py": "from api.app import create_app\nfrom . import holds\n",
        "domain/booking/holds.py": "from domain.booking.lifecycle import confirm\n",
        "domain/scheduling/__init__.py": "",
        "domain/scheduling/slots.py": "from domain.booking._retry import retrying\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    assert upward_imports("domain", tmp_path) == [
        "domain/booking/lifecycle.py:1: domain.booking.lifecycle imports api.app",
        "domain/booking/lifecycle.py:1: domain.booking.lifecycle imports api.app.create_app",
    ]
    assert shared_reaching_into_contexts(tmp_path) == [
        "domain/kernel/clock.py:1: domain.kernel.clock imports domain.booking",
        "domain/kernel/clock.py:1: domain.kernel.clock imports domain.booking.lifecycle",
    ]
    assert private_reaches("domain", tmp_path) == [
        "domain/scheduling/slots.py:1: domain.scheduling.slots imports domain.booking._retry",
        "domain/scheduling/slots.py:1: domain.scheduling.slots imports "
        "domain.booking._retry.retrying",
    ]
    assert domain_cycles(tmp_path) == [
        "domain.booking.holds -> domain.booking.lifecycle -> domain.booking.holds"
    ]


# Layers that reach the tables only through domain services: the unit of work's session stays
# inside domain/ (tests and benchmarks, which seed and inspect rows, are not layers). The files
# below hold infrastructure, not the domain's tables: the LangGraph checkpointer's own connection,
# the composition root's engine, the readiness probe's SELECT 1, the 4xx for a value the database
# cannot store, and the eval worlds' database copies.
THROUGH_THE_DOMAIN = ("agent", "tools", "channels", "knowledge", "api", "evals", "frontdesk")
INFRASTRUCTURE = {
    "agent/checkpoint.py",
    "api/bootstrap.py",
    "api/app.py",
    "api/errors.py",
    "evals/worlds.py",
}
DATABASE_LIBRARIES = {"sqlmodel", "sqlalchemy"}


def is_unit_of_work(node: ast.expr) -> bool:
    """`uow`, `deps.uow()`, `reader`, `self._uow`: what hands out a database session.

    A chat's `session_in.session` (the web chat's session token) is not one.
    """
    if isinstance(node, ast.Call):
        node = node.func
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return "uow" in name or "reader" in name or "unit_of_work" in name


def table_access(package: str, root: Path = ROOT) -> list[str]:
    """Where a module imports a database library or reads a unit of work's `.session`."""
    found: list[str] = []
    for path in sorted((root / package).rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name in INFRASTRUCTURE:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=name)):
            where = f"{name}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                modules = [node.module or ""]
            else:
                modules = []
            found.extend(
                f"{where}: imports {module}"
                for module in modules
                if module.split(".")[0] in DATABASE_LIBRARIES
            )
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"session", "_session"}
                and is_unit_of_work(node.value)
            ):
                found.append(f"{where}: reads .{node.attr}")
    return found


@pytest.mark.parametrize("package", THROUGH_THE_DOMAIN)
def test_every_layer_above_the_domain_reaches_tables_only_through_it(
    package: str,
) -> None:
    assert table_access(package) == []


def test_table_access_is_reported(tmp_path: Path) -> None:
    """A made-up tree querying tables around the domain is caught, the checkpointer is not."""
    files = {
        "agent/checkpoint.py": "from sqlalchemy import make_url\n",
        "agent/context.py": "def name(uow):\n    return uow.session.get(Client, 'ana').name\n",
        "tools/search.py": "from sqlmodel import col, select\n",
        "channels/hub.py": "import sqlalchemy.orm\n",
        "knowledge/entries.py": (
            "def entries(uow):\n"
            "    with uow.reading() as reader:\n"
            "        return reader._session.exec(query)\n"
        ),
        "api/routes.py": (
            "def token(session_in):\n"
            "    return session_in.session\n"
            "def rows(deps):\n"
            "    return deps.uow().session.exec(query)\n"
        ),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    assert [line for p in THROUGH_THE_DOMAIN for line in table_access(p, tmp_path)] == [
        "agent/context.py:2: reads .session",
        "tools/search.py:1: imports sqlmodel",
        "channels/hub.py:1: imports sqlalchemy.orm",
        "knowledge/entries.py:3: reads ._session",
        "api/routes.py:4: reads .session",
    ]
