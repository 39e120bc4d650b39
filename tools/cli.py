"""`datamesh`: the command line of the platform."""

from __future__ import annotations

import contextlib
import json
import sys
import traceback
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from model import Mesh, SpecError, load_mesh
from model.errors import InputProblem
from tools.generated import REPO, Generated, conventions_copy, is_fresh, product_schema, write
from tools.graph import mermaid

try:  # typer vendors click from 0.2x on; older releases depend on it
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover
    from click.exceptions import UsageError  # type: ignore[import-not-found,no-redef]

app = typer.Typer(
    help="Self-serve data mesh on Google Cloud: validate, inspect and plan data products.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# User text (paths, keys, messages) is printed as it is: no markup, no emoji codes.
out = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)

EXIT_INVALID = 2
EXIT_BUG = 3
DEBUG_FLAG = "--debug"


class DEBUG:
    """`--debug` (any command): tracebacks of bugs are shown."""

    enabled = False


ProductsDir = Annotated[
    Path, typer.Option("--products-dir", help="Folder holding <product>/product.yaml files")
]


def _load(products_dir: Path) -> Mesh:
    try:
        return load_mesh(products_dir)
    except SpecError as exc:
        _exit_invalid(exc)


def _exit_invalid(exc: Exception) -> NoReturn:
    """Invalid input (a SpecError or an InputProblem): every problem as
    `file: field: message`, exit 2. Anything else is a bug: re-raised."""
    if isinstance(exc, SpecError):
        issues = exc.issues
    elif isinstance(exc, InputProblem):
        issues = [exc.issue]
    else:
        raise exc
    for issue in issues:
        err.print(issue.render())
    raise typer.Exit(EXIT_INVALID) from None


@app.command()
def validate(products_dir: ProductsDir = Path("products")) -> None:
    """Check every product, contract and SQL file; print the mesh in dependency order."""
    mesh = _load(products_dir)
    ports = sum(len(b.spec.input_ports) + len(b.spec.output_ports) for b in mesh.ordered())
    out.print(
        f"Mesh in {products_dir}: {len(mesh.products)} products, {ports} ports, "
        f"{len(mesh.edges)} lineage edges — valid"
    )
    out.print("Products in dependency order:")
    width = max(len(pid) for pid in mesh.order)
    for n, bundle in enumerate(mesh.ordered(), start=1):
        spec = bundle.spec
        out.print(
            f"  {n}. {spec.id:<{width}}  {spec.alignment.value:<9} domain={spec.domain} "
            f"owner={spec.owner.team} inputs={len(spec.input_ports)}"
        )
        for port in spec.output_ports:
            contract = bundle.contracts[port.name]
            out.print(
                f"     {'':<{width}}  -> {port.name}: {port.kind} {port.physical_name} "
                f"(contract {contract.version})"
            )
    out.print("Lineage:")
    for edge in mesh.edges:
        out.print(
            f"  {edge.producer}.{edge.output_port} -> {edge.consumer} "
            f"(input port {edge.input_port})"
        )


@app.command()
def plan(
    stack: Annotated[str, typer.Option("--stack", help="Stack to plan (Pulumi.<stack>.yaml)")],
    products_dir: Annotated[
        Path | None, typer.Option("--products-dir", help="Product specs (default: config)")
    ] = None,
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the plan as JSON")] = None,
    policy_pack: Annotated[
        Path, typer.Option("--policy-pack", help="CrossGuard policy pack folder")
    ] = Path("policies"),
    no_policies: Annotated[bool, typer.Option("--no-policies", help="Skip the pack")] = False,
    policy_config: Annotated[
        Path | None,
        typer.Option(
            "--policy-config", help="Pack config JSON (default: <pack>/config/<env>.json)"
        ),
    ] = None,
    project_dir: Annotated[Path, typer.Option(help="Folder with Pulumi.yaml")] = Path("."),
    quiet: Annotated[bool, typer.Option("--quiet", help="Summary and violations only")] = False,
    resolved: Annotated[
        bool,
        typer.Option(
            "--resolved",
            help="Resolve every value the cloud computes (emails, ids) instead of leaving "
            "them unknown as a preview of a first `up` does",
        ),
    ] = False,
) -> None:
    """Offline `pulumi preview --policy-pack`: run the program under mocks, then the pack."""
    from tools.plan.commands import run_plan_command

    code = run_plan_command(
        project_dir,
        stack,
        products_dir,
        json_file,
        None if no_policies else policy_pack,
        policy_config,
        quiet,
        out,
        err,
        debug=DEBUG.enabled,
        resolved=resolved,
    )
    raise typer.Exit(code)


@app.command()
def local(
    stack: Annotated[str, typer.Option("--stack", help="Stack to run (Pulumi.<stack>.yaml)")],
    products_dir: Annotated[
        Path | None, typer.Option("--products-dir", help="Product specs (default: config)")
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=31, help="Days of the run's window")] = 1,
    scale: Annotated[
        int,
        typer.Option(
            "--scale",
            "--devices",
            min=1,
            max=100_000,
            help="How much data to make: rows per generated input port (and what the "
            "products' own generators read as their size, e.g. the IoT fleet's devices)",
        ),
    ] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the generated data")] = 0,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for mesh.duckdb (default out/local/<stack>)"),
    ] = None,
    project_dir: Annotated[Path, typer.Option(help="Folder with Pulumi.yaml")] = Path("."),
) -> None:
    """Run the stack's mesh on an embedded DuckDB; prove contracts and tenant isolation."""
    from tools.local.command import run_local
    from tools.local.render import render_local

    target = out_dir or Path("out/local") / stack
    if target.exists() and not target.is_dir():
        err.print(f"command line: --out: {target} is a file")
        raise typer.Exit(EXIT_INVALID)
    try:
        report = run_local(
            project_dir.resolve(),
            stack,
            products_dir,
            target,
            days,
            scale,
            seed,
            progress=lambda m: err.print(f"… {m}", style="dim"),
        )
    except Exception as exc:
        _exit_invalid(exc)
    for line in render_local(report, str(target / "mesh.duckdb")):
        out.print(line, markup=False, highlight=False)
    raise typer.Exit(1 if report.failures else 0)


@app.command("test")
def unit_test(
    stack: Annotated[
        str | None, typer.Option("--stack", help="Test the stack's products (and upstream)")
    ] = None,
    product: Annotated[str | None, typer.Option("--product", help="Test one product")] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML here")] = None,
    products_dir: Annotated[
        Path | None, typer.Option("--products-dir", help="Product specs (default: products)")
    ] = None,
    project_dir: Annotated[Path, typer.Option(help="Folder with Pulumi.yaml")] = Path("."),
) -> None:
    """Run the products' unit tests (products/<id>/tests/*.yaml): given rows, expected rows."""
    from tools.plan.commands import output_file_problem
    from tools.unit.command import render_tests, run_tests, write_junit

    if junit is not None:  # its folder is made (CI writes into out/junit/), a folder refused
        with contextlib.suppress(OSError):
            junit.parent.mkdir(parents=True, exist_ok=True)
        problem = output_file_problem(junit, "--junit")
        if problem is not None:
            err.print(problem.render())
            raise typer.Exit(EXIT_INVALID)
    try:
        report = run_tests(project_dir.resolve(), stack, product, products_dir)
    except Exception as exc:
        _exit_invalid(exc)
    for line in render_tests(report):
        out.print(line, markup=False, highlight=False)
    if junit is not None:
        write_junit(report, junit)
    raise typer.Exit(1 if report.failed else 0)


@app.command()
def check(
    stack: Annotated[str, typer.Option("--stack", help="Deployed stack to check")],
    registry: Annotated[
        Path,
        typer.Option(help="The stack's outputs: pulumi stack output --json --stack S > FILE"),
    ],
    products_dir: ProductsDir = Path("products"),
    project: Annotated[
        str | None, typer.Option(help="Project billed for the queries (default: the stack's)")
    ] = None,
) -> None:
    """Run the contracts' checks against a deployed stack's BigQuery tables."""
    from tools.check.command import port_queries, port_tables, run_checks
    from tools.registry import read_registry

    mesh = _load(products_dir)
    try:
        entries = read_registry(registry)
        queries = port_queries(mesh, entries)
        billing = project or next(
            (str(e.get("project")) for e in entries.values() if isinstance(e, dict)), ""
        )
        results = run_checks(queries, billing, tables=port_tables(mesh, entries))
    except InputProblem as exc:
        _exit_invalid(exc)
    for r in results:
        out.print(
            f"{'ok    ' if r.passed else 'FAILED'} {r.product}.{r.port}: {r.check}: {r.detail}"
        )
    failed = [r for r in results if not r.passed]
    out.print(f"{stack}: {len(results) - len(failed)} passed, {len(failed)} failed")
    raise typer.Exit(1 if failed else 0)


@app.command()
def diff(
    base: Annotated[
        str | None, typer.Option("--base", help="Git ref of the mesh before the change")
    ] = None,
    head: Annotated[
        str | None, typer.Option("--head", help="Git ref after the change (default: working tree)")
    ] = None,
    products_dir: Annotated[
        Path | None, typer.Option("--products-dir", help="Product specs (default: products)")
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the report as JSON")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="text, markdown (a PR comment) or github (annotations)")
    ] = "text",
    policy_pack: Annotated[
        Path | None, typer.Option("--policy-pack", help="Policy pack (default: policies)")
    ] = None,
    project_dir: Annotated[Path, typer.Option(help="Folder with Pulumi.yaml")] = Path("."),
    rules: Annotated[bool, typer.Option("--rules", help="Print the rule table and exit")] = False,
) -> None:
    """Contract evolution gate: classify every change between two versions of the mesh,
    enforce versioning and show who each breaking change reaches."""
    from tools.diff import render
    from tools.diff.command import run_diff

    if rules:
        out.print(render.rules_table())
        raise typer.Exit(0)
    if base is None:
        err.print("command line: --base: give the git ref to compare with (e.g. main)")
        raise typer.Exit(EXIT_INVALID)
    formats = {"text": render.text, "markdown": render.markdown, "github": render.github}
    if output_format not in formats:
        err.print(f"command line: --format: {output_format!r} is not one of {', '.join(formats)}")
        raise typer.Exit(EXIT_INVALID)
    if json_file is not None and (json_file.is_dir() or not json_file.parent.is_dir()):
        where = "is a folder" if json_file.is_dir() else f"folder {json_file.parent} does not exist"
        err.print(f"command line: --json: {json_file} {where}")
        raise typer.Exit(EXIT_INVALID)
    try:
        report = run_diff(
            project_dir,
            base,
            head,
            products_dir,
            policy_pack,
            progress=lambda m: err.print(f"… {m}", style="dim"),
        )
    except Exception as exc:
        _exit_invalid(exc)
    sys.stdout.write(formats[output_format](report) + "\n")
    if json_file is not None:
        json_file.write_text(json.dumps(render.to_json(report), indent=2) + "\n")
    raise typer.Exit(1 if report.errors else 0)


@app.command()
def catalog(
    stack: Annotated[str, typer.Option("--stack", help="Stack whose products to list")],
    local_dir: Annotated[
        Path | None,
        typer.Option("--local", help="A local run's folder (out/local/<stack>) for run data"),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Site folder (default out/site/<stack>)")
    ] = None,
    products_dir: Annotated[
        Path | None, typer.Option("--products-dir", help="Product specs (default: config)")
    ] = None,
    project_dir: Annotated[Path, typer.Option(help="Folder with Pulumi.yaml")] = Path("."),
) -> None:
    """Build the static catalog site (overview, product pages, lineage, IoT dashboard)."""
    from tools.catalog.command import build_catalog

    target = out_dir or Path("out/site") / stack
    try:
        written = build_catalog(project_dir.resolve(), stack, local_dir, target, products_dir)
    except Exception as exc:
        _exit_invalid(exc)
    out.print(f"wrote {len(written)} files; open {(target / 'index.html').resolve().as_uri()}")


@app.command()
def graph(products_dir: ProductsDir = Path("products")) -> None:
    """Print the lineage of the mesh as a Mermaid flowchart."""
    mesh = _load(products_dir)
    sys.stdout.write(mermaid(mesh))


def _generate(generated: Generated, root: Path, check: bool) -> None:
    if check:
        if (root / generated.path).is_dir():
            err.print(f"command line: --output: {generated.path} is a folder")
            raise typer.Exit(EXIT_INVALID)
        if not is_fresh(generated, root):
            err.print(
                f"{generated.path}: (file): stale; run `{generated.command}` to regenerate it",
                markup=False,
            )
            raise typer.Exit(1)
        out.print(f"{generated.path} is up to date", markup=False)
        return
    target = root / generated.path
    if target.is_dir() or not target.parent.is_dir():
        where = "is a folder" if target.is_dir() else f"folder {target.parent} does not exist"
        err.print(
            f"command line: --output: {target} {where}"
            if target.is_dir()
            else f"command line: --output: {where}"
        )
        raise typer.Exit(EXIT_INVALID)
    out.print(f"wrote {write(generated, root)}", markup=False)


@app.command()
def schema(
    check: Annotated[bool, typer.Option(help="Fail if the committed schema is stale")] = False,
    output: Annotated[Path, typer.Option(help="Where the schema lives")] = Path(
        "products/product.schema.json"
    ),
) -> None:
    """Write (or check) the JSON Schema that editors use to validate product.yaml."""
    _generate(product_schema(output), Path.cwd(), check)


@app.command()
def conventions(
    check: Annotated[bool, typer.Option(help="Fail if the pack's copy is stale")] = False,
) -> None:
    """Write (or check) the policy pack's generated copy of model/conventions.py."""
    _generate(conventions_copy(), REPO, check)


def main(argv: list[str] | None = None) -> None:
    """The console script: user errors exit 2 with `file: field: message` (each command
    handles them); anything unexpected is a bug, exit 3 in one line, with the
    traceback only under `--debug`."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG.enabled = DEBUG_FLAG in args
    args = [a for a in args if a != DEBUG_FLAG]
    try:
        code = app(args, prog_name="datamesh", standalone_mode=False)
    except UsageError as exc:  # an unknown option, a missing value, a bad type
        if exc.ctx is not None and not args:
            out.print(exc.ctx.get_help())
            raise SystemExit(EXIT_INVALID) from None
        param = getattr(exc, "param", None)
        option = getattr(exc, "option_name", None) or (
            param.opts[0] if param is not None and param.opts else "usage"
        )
        err.print(f"command line: {option}: {' '.join(exc.format_message().split())}")
        raise SystemExit(EXIT_INVALID) from None
    except typer.Abort:
        err.print("interrupted")
        raise SystemExit(130) from None
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("interrupted")
        raise SystemExit(130) from None
    except Exception as exc:  # a bug: say so plainly
        if debug:
            traceback.print_exc()
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" (at {Path(where.filename).name}:{where.lineno})" if where else ""
        first = (str(exc).splitlines() or [""])[0]
        err.print(
            f"datamesh: internal error{at}: {type(exc).__name__}: {first}; this is a bug, "
            f"please report it (rerun with {DEBUG_FLAG} for the traceback)"
        )
        raise SystemExit(EXIT_BUG) from None
    raise SystemExit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
