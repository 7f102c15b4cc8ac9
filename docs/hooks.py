"""MkDocs hooks: the pages that must not drift are generated at build time.

- ``reference/cli.md``: every command's ``--help``, rendered from the argparse parsers the
  command lines build (not written by hand).
- ``reference/<module>.md``: one mkdocstrings block per public name of each public module,
  taken from the module's own ``__all__``; a name re-exported from another of the project's
  modules links to the page that documents it, so each object has one home.
- ``changelog.md`` and ``architecture.md`` include the repository's own files, and images
  kept outside ``docs/`` (the benchmark chart) are served from where they live.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent

#: The public modules, in the order the reference lists them.
MODULES = (
    "bland_pools",
    "bland_pools.provision",
    "bland_pools.coverage",
    "bland_pools.testing",
    "ghl_pools",
    "ghl_pools.coverage",
    "ghl_pools.testing",
    "pools_core",
    "pools_core.testing",
)
#: Files of the repository shown on the site as they are: site path -> repository path.
COPIED = {
    "images/results.png": "benchmarks/results.png",
}


def home(module: str, name: str) -> str:
    """The public module that documents ``module.name``: the most specific of :data:`MODULES`
    that holds the module defining the object and exports the same object."""
    value = getattr(importlib.import_module(module), name)
    defined = getattr(value, "__module__", None)
    if not isinstance(defined, str):
        return module  # a constant: documented where it is exported
    homes = [
        candidate
        for candidate in MODULES
        if (defined == candidate or defined.startswith(candidate + "."))
        and getattr(importlib.import_module(candidate), name, None) is value
    ]
    if homes:
        return max(homes, key=len)
    # Defined in a private module (the coverage analysis): the first public one exporting it.
    return next(
        candidate
        for candidate in MODULES
        if getattr(importlib.import_module(candidate), name, None) is value
    )


def public_names(module: str) -> list[str]:
    return [n for n in importlib.import_module(module).__all__ if not n.startswith("_")]


def reference_page(module: str) -> str:
    doc = (importlib.import_module(module).__doc__ or "").strip().split("\n\n")[0]
    lines = [f"# `{module}`", "", doc, ""]
    elsewhere = []
    for name in public_names(module):
        where = home(module, name)
        if where != module:
            page = where.replace(".", "_") + ".md"
            elsewhere.append(f"- [`{name}`]({page}#{where}.{name}) (from `{where}`)")
            continue
        lines += [f"::: {module}.{name}", ""]
    if elsewhere:
        lines += ["## Re-exported here", "", *elsewhere, ""]
    return "\n".join(lines)


def cli_page() -> str:
    from bland_pools._cli import BLAND_CLI
    from ghl_pools._cli import GHL_CLI

    lines = [
        "# Command-line reference",
        "",
        "Generated from the parsers of `bland-pools` and `ghl-pools` when the site is built.",
        "",
    ]
    for cli in (BLAND_CLI, GHL_CLI):
        parser = cli.parser()
        lines += [f"## `{cli.prog}`", "", "```text", parser.format_help().rstrip(), "```", ""]
        for command in cli.commands:
            sub = _subparser(parser, command.name)
            lines += [f"### `{cli.prog} {command.name}`", "", command.summary, ""]
            lines += ["```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(lines)


def _subparser(parser: Any, name: str) -> Any:
    for action in parser._actions:  # argparse keeps subparsers only here
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict) and name in choices:
            return choices[name]
    raise LookupError(name)


def on_files(files: Files, config: Any) -> Files:
    for module in MODULES:
        uri = f"reference/{module.replace('.', '_')}.md"
        files.append(File.generated(config, uri, content=reference_page(module)))
    files.append(File.generated(config, "reference/cli.md", content=cli_page()))
    copied = dict(COPIED)
    for example in sorted((ROOT / "examples").iterdir()):
        if example.is_file():
            copied[f"examples/{example.name}"] = f"examples/{example.name}"
    for uri, source in copied.items():
        files.append(File.generated(config, uri, abs_src_path=str(ROOT / source)))
    return files


_INCLUDE = re.compile(r"^--8<-- \"(?P<path>[^\"]+)\"$", re.M)
#: Links in the included repository files, as the site serves them.
_LINKS = (
    ("](docs/", "]("),
    ("](ARCHITECTURE.md)", "](architecture.md)"),
    ("](CHANGELOG.md)", "](changelog.md)"),
    ("](benchmarks/results.png)", "](images/results.png)"),
)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """``--8<-- "FILE"`` on a line of its own includes a repository file (README.md on the
    home page, CHANGELOG.md, ARCHITECTURE.md), so the site and the repository never differ.
    Where the page has a heading of its own, the file's first heading is dropped."""
    titled = markdown.lstrip().startswith("# ")

    def include(match: re.Match[str]) -> str:
        text = (ROOT / match["path"]).read_text(encoding="utf-8")
        if titled:
            text = re.sub(r"\A# .*\n", "", text)
        for old, new in _LINKS:
            text = text.replace(old, new)
        return text

    return _INCLUDE.sub(include, markdown)
