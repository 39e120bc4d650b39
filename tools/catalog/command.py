"""`datamesh catalog`: check the inputs, then build the site."""

from __future__ import annotations

import shutil
from pathlib import Path

from model.errors import COMMAND_LINE, SpecIssue
from tools.catalog import site as site_pages
from tools.catalog.context import Site
from tools.catalog.run_data import CatalogProblem, read_deployed_checks, read_run
from tools.stack import load_stack


def run_catalog(
    project_dir: Path,
    stack: str,
    local: Path | None,
    out: Path,
    products_dir: Path | None,
    checks: Path | None = None,
) -> list[Path]:
    """Raises CatalogProblem, ConfigProblem or SpecError on bad input; nothing is written
    before every input has been checked."""
    if out.exists() and not out.is_dir():
        raise CatalogProblem(SpecIssue(COMMAND_LINE, "--out", f"{out} is a file, not a folder"))
    context = load_stack(project_dir, stack, products_dir)
    mesh, settings = context.mesh, context.settings
    run = read_run(local, stack, mesh) if local is not None else None
    products = mesh.closure(settings.products)
    deployed = read_deployed_checks(checks, mesh) if checks is not None else {}
    site = Site(mesh, settings, stack, run, products, deployed)
    pages = site_pages.read_run_pages(site)
    _prepare(out)
    return site_pages.build(site, out, pages)


MARKER = ".datamesh-catalog"  # marks a folder as a catalog site this command may rebuild


def _prepare(out: Path) -> None:
    """An empty folder, or an earlier build emptied (no stale pages of removed products);
    any other folder is refused rather than overwritten."""
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise CatalogProblem(
            SpecIssue(
                COMMAND_LINE,
                "--out",
                f"{out} holds other files and no earlier catalog; give an empty or new folder",
            )
        )
    try:
        if out.is_dir():
            for child in out.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        out.mkdir(parents=True, exist_ok=True)
        (out / MARKER).write_text("built by datamesh catalog; rebuilt in full each time\n")
    except OSError as exc:
        raise CatalogProblem(SpecIssue(COMMAND_LINE, "--out", f"{out}: {exc.strerror}")) from None


def render_catalog(written: list[Path], out: Path) -> list[str]:
    return [f"wrote {len(written)} files; open {(out / 'index.html').resolve().as_uri()}"]
