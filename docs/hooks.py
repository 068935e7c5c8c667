"""MkDocs hook: build the site from the repository's own files, with no copies in docs/.

Every `nav` entry that is not a file under docs/ is read from the repository root (`index.md`
is README.md), a `*` in a nav entry expands to the matching repository files (so a new
notebook needs no nav edit), notebooks are executed before mkdocs-jupyter renders them, and
non-Markdown repository files that those pages link to (e.g. `src/supplynet/schema.py`) are
copied into the site so the links resolve. The site mirrors the repository layout, so the
relative links that work on GitHub work on the site too.

Set SUPPLYNET_DOCS_EXECUTE=0 to render the notebooks without running them (quicker `mkdocs
serve` while editing prose).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.supplynet")  # under "mkdocs", so --strict counts its warnings

ROOT = Path(__file__).resolve().parents[1]
ALIASES = {"index.md": "README.md"}
NOTEBOOK_TIMEOUT = 600  # seconds per cell; the slowest cell takes about 10 s
MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")

_executed_dir: tempfile.TemporaryDirectory | None = None


def _nav_paths(nav) -> list[str]:
    """Every page path in a nav (strings, {title: path} and {title: [...]} nested)."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in _nav_paths(value)]
    if isinstance(nav, list):
        return [p for item in nav for p in _nav_paths(item)]
    return []


def _expand_globs(nav):
    if isinstance(nav, str) and "*" in nav:
        matches = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob(nav))
        if not matches:
            log.warning("nav entry %r matches no file in the repository", nav)
        return matches
    if isinstance(nav, dict):
        return {title: _expand_globs(value) for title, value in nav.items()}
    if isinstance(nav, list):
        out = []
        for item in nav:
            expanded = _expand_globs(item)
            # a bare glob in a list becomes several entries of that list
            out.extend(expanded if isinstance(item, str) and "*" in item else [expanded])
        return out
    return nav


def _check_api_coverage(docs_dir: Path) -> None:
    """Warn (a strict-build failure) for a name in supplynet.__all__ with no ::: entry."""
    import supplynet

    documented = set()
    for page in (docs_dir / "api").glob("*.md"):
        documented |= {m.rsplit(".", 1)[-1] for m in
                       re.findall(r"^:::\s*([\w.]+)", page.read_text(encoding="utf-8"), re.M)}
    for name in sorted(set(supplynet.__all__) - {"__version__"} - documented):
        log.warning("supplynet.%s is exported but has no '::: ...%s' entry in docs/api/*.md",
                    name, name)


def on_config(config):
    config.nav = _expand_globs(config.nav)
    _check_api_coverage(Path(config.docs_dir))
    return config


def _execute(notebook: Path, out_dir: Path) -> None:
    """Run a notebook as tests/test_notebooks.py does (from notebooks/); write it to out_dir."""
    import nbclient
    import nbformat

    started = time.perf_counter()
    nb = nbformat.read(notebook, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=NOTEBOOK_TIMEOUT, kernel_name="python3",
                                     allow_errors=False,
                                     resources={"metadata": {"path": str(notebook.parent)}})
    try:
        client.execute()
    except Exception as exc:  # a failing notebook fails the build, naming the notebook
        raise PluginError(f"{notebook.relative_to(ROOT)} failed: {exc}") from exc
    nbformat.write(nb, out_dir / notebook.name)
    log.info("executed %s in %.1f s", notebook.relative_to(ROOT), time.perf_counter() - started)


def _notebook_file(uri: str, notebook: Path, config) -> File:
    """A File whose src_dir holds the notebook (executed unless SUPPLYNET_DOCS_EXECUTE=0).

    mkdocs-jupyter reads a notebook through src_dir, so no File.generated here.
    """
    global _executed_dir
    src_dir = ROOT
    if os.environ.get("SUPPLYNET_DOCS_EXECUTE", "1") != "0":
        if _executed_dir is None:
            _executed_dir = tempfile.TemporaryDirectory(prefix="supplynet-docs-")
        src_dir = Path(_executed_dir.name)
        out_dir = src_dir / Path(uri).parent
        out_dir.mkdir(parents=True, exist_ok=True)
        _execute(notebook, out_dir)
    return File(uri, src_dir=str(src_dir), dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls)


def _linked_files(page: Path) -> set[Path]:
    """Repository files that a Markdown page links to by a relative path."""
    targets = set()
    for link in MARKDOWN_LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", link):
            continue  # URL, anchor on the same page or absolute path
        target = (page.parent / link.split("#", 1)[0]).resolve()
        if target.is_file() and target.is_relative_to(ROOT):
            targets.add(target)
    return targets


@event_priority(50)  # before mkdocs-jupyter's on_files wraps the notebooks
def on_files(files: Files, config) -> Files:
    from_repo: list[Path] = []
    for uri in _nav_paths(config.nav):
        if files.get_file_from_path(uri) is not None or "://" in uri:
            continue
        source = ROOT / ALIASES.get(uri, uri)
        if not source.is_file():
            continue  # mkdocs itself reports a nav entry with no file
        if source.suffix == ".ipynb":
            files.append(_notebook_file(uri, source, config))
            continue
        from_repo.append(source)
        files.append(File.generated(config, uri, abs_src_path=str(source)))
    for page in from_repo:
        for target in _linked_files(page):
            uri = target.relative_to(ROOT).as_posix()
            if target.suffix != ".md" and files.get_file_from_path(uri) is None:
                files.append(File.generated(config, uri, abs_src_path=str(target)))
    return files
