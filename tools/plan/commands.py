"""The `datamesh plan` command: progress, output, exit codes (no tracebacks for user errors)."""

from __future__ import annotations

import traceback
from pathlib import Path

from rich.console import Console

from model import SpecError
from model.errors import COMMAND_LINE, SpecIssue
from tools.plan.evaluator import PolicyCrash
from tools.plan.pack_loader import PackProblem
from tools.plan.render import summary_lines, tree_lines, violation_lines
from tools.plan.runner import ProgramError
from tools.plan.session import plan, write_json
from tools.production import FloorProblem
from tools.stack import ConfigProblem

EXIT_OK, EXIT_VIOLATION, EXIT_INVALID, EXIT_BUG = 0, 1, 2, 3


def output_file_problem(path: Path, option: str) -> SpecIssue | None:
    """Whether `path` can be written, checked before any work is done."""
    if path.is_dir():
        return SpecIssue(COMMAND_LINE, option, f"{path} is a folder; give a file name")
    if not path.parent.is_dir():
        return SpecIssue(COMMAND_LINE, option, f"folder {path.parent} does not exist")
    return None


def run_plan_command(
    project_dir: Path,
    stack: str,
    products_dir: Path | None,
    json_file: Path | None,
    pack_dir: Path | None,
    pack_config: Path | None,
    quiet: bool,
    out: Console,
    err: Console,
    debug: bool = False,
    resolved: bool = False,
) -> int:
    def progress(message: str) -> None:
        err.print(f"… {message}", style="dim", markup=False, highlight=False)

    if json_file is not None:
        problem = output_file_problem(json_file, "--json")
        if problem is not None:
            err.print(problem.render())
            return EXIT_INVALID
    try:
        result = plan(
            project_dir.resolve(),
            stack,
            products_dir=products_dir,
            pack_dir=pack_dir.resolve() if pack_dir else None,
            pack_config=pack_config,
            progress=progress,
            preview=not resolved,
        )
    except SpecError as exc:
        for issue in exc.issues:
            err.print(issue.render(), markup=False)
        return EXIT_INVALID
    except ConfigProblem as exc:
        err.print(exc.issue.render(), markup=False)
        return EXIT_INVALID
    except (PackProblem, FloorProblem) as exc:
        for issue in exc.issues:
            err.print(issue.render(), markup=False)
        return EXIT_INVALID
    except PolicyCrash as exc:  # a broken pack is not a violation: CI must tell them apart
        err.print(f"{pack_dir}: {exc} (a bug in the policy pack)", markup=False)
        if debug:
            traceback.print_exception(exc.error)
        return EXIT_BUG
    except ProgramError as exc:
        here = f"{Path.cwd()}/"
        for line in str(exc).splitlines():  # the program names files by their full path
            err.print(line.removeprefix(here), markup=False)
        return EXIT_INVALID

    mode = (
        "every computed value resolved"
        if resolved
        else "computed values unknown, as a first preview"
    )
    out.print(f"Previewing stack {stack} (offline: mocks, no cloud; {mode})", markup=False)
    if not quiet:
        for line in tree_lines(result.run.resources, f"data-mesh-{stack}"):
            out.print(line, markup=False, highlight=False)
    out.print()
    for line in violation_lines(result):
        out.print(line, markup=False, highlight=False)
    out.print()
    for line in summary_lines(result):
        out.print(line, markup=False, highlight=False)
    if json_file is not None:
        write_json(result, json_file)
        out.print(f"wrote {json_file}", markup=False)
    return EXIT_VIOLATION if result.mandatory else EXIT_OK
