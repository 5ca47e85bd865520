"""mkdocs hook: the docs and the README name only files the repository has.

mkdocs checks links between pages; this checks what it cannot: a path of the repository
written as code (`domain/kernel/uow.py`, `tests/e2e/test_admin_*.py`) must exist, and so must
every relative link in README.md, which lives outside docs/. A problem is logged as a warning,
which `mkdocs build --strict` turns into a failure.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.plugins.repo_paths")

ROOT = Path(__file__).resolve().parents[2]
README_MAX_LINES = 200
# Code spans that start with one of these name a path of the repository.
TOP_LEVEL = (
    "agent/",
    "api/",
    "bench/",
    "channels/",
    "docs/",
    "domain/",
    "evals/",
    "frontdesk/",
    "knowledge/",
    "prompts/",
    "testkit/",
    "tests/",
    "tools/",
)
TOP_LEVEL_FILES = {"Dockerfile", "Makefile", "docker-compose.yml", "mkdocs.yml", "pyproject.toml"}
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def named_paths(markdown: str) -> list[str]:
    """Repository paths written as inline code, outside fenced blocks, placeholders left out."""
    found = []
    for span in CODE_SPAN.findall(FENCE.sub("", markdown)):
        path = re.split(r"[:\s]", span, maxsplit=1)[0]
        if any(mark in path for mark in "<…{"):
            continue
        if path.startswith(TOP_LEVEL) or path in TOP_LEVEL_FILES:
            found.append(path)
    return found


def exists(path: str) -> bool:
    return any(ROOT.glob(path)) if "*" in path else (ROOT / path).exists()


def missing_paths(markdown: str) -> list[str]:
    return [path for path in named_paths(markdown) if not exists(path)]


def readme_problems(readme: Path) -> list[str]:
    text = readme.read_text()
    problems = [f"names {path}, which does not exist" for path in missing_paths(text)]
    for target in LINK.findall(text):
        local = target.split("#", 1)[0]
        if local and "://" not in target and not (readme.parent / local).exists():
            problems.append(f"links to {target}, which does not exist")
    lines = text.count("\n")
    if lines >= README_MAX_LINES:
        problems.append(f"has {lines} lines; keep it under {README_MAX_LINES}, guides go to docs/")
    if "make run" not in text or "make test" not in text:
        problems.append("must show `make run` and `make test`")
    return problems


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    for path in missing_paths(markdown):
        log.warning(
            "Doc file '%s' names the path '%s', which does not exist", page.file.src_uri, path
        )
    return markdown


def on_post_build(config: MkDocsConfig, **_: Any) -> None:
    for problem in readme_problems(ROOT / "README.md"):
        log.warning("README.md %s", problem)
