"""`datamesh`: the command line of the platform."""

from __future__ import annotations

import functools
import json
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec

import typer
from rich.console import Console

from model import load_mesh
from model.errors import COMMAND_LINE, CommandFailed, SpecIssue
from tools.command_line import OptionProblem, one_of, required, usable_folder, writable_file
from tools.generated import REPO, Generated, conventions_copy, is_fresh, product_schema, write
from tools.graph import mermaid

# google-api-core warns every run that a Python version will lose support one day: a
# notice for this tool's maintainers, not for its users.
warnings.filterwarnings(
    "ignore", category=FutureWarning, module=r"google\.api_core\._python_version_support"
)

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

EXIT_INVALID = 2  # CommandFailed.exit_code of invalid input
EXIT_BUG = 3
DEBUG_FLAG = "--debug"
P = ParamSpec("P")


class DEBUG:
    """`--debug` (any command): tracebacks of bugs are shown."""

    enabled = False


ProductsDir = Annotated[
    Path, typer.Option("--products-dir", help="Folder holding <product>/product.yaml files")
]


def command(
    name: str | None = None, on: typer.Typer | None = None
) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """`app.command`, and what the user can mend (CommandFailed) printed as its problems
    with its exit code, no traceback."""

    def register(fn: Callable[P, None]) -> Callable[P, None]:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> None:
            try:
                fn(*args, **kwargs)
            except CommandFailed as exc:
                if DEBUG.enabled:
                    traceback.print_exception(exc)
                for line in exc.lines():
                    err.print(line)
                raise typer.Exit(exc.exit_code) from None

        (on or app).command(name)(run)
        return run

    return register


def _print(lines: list[str]) -> None:
    for line in lines:
        out.print(line)


def _progress(message: str) -> None:
    err.print(f"… {message}", style="dim")


@command()
def validate(products_dir: ProductsDir = Path("products")) -> None:
    """Check every product, contract and SQL file; print the mesh in dependency order."""
    from tools.validate import render_validate, run_validate

    _print(render_validate(run_validate(products_dir), products_dir))


@command()
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
    from tools.plan.render import render_plan
    from tools.plan.session import run_plan, write_json

    writable_file(json_file, "--json")
    result = run_plan(
        project_dir.resolve(),
        stack,
        products_dir=products_dir,
        pack_dir=None if no_policies else policy_pack.resolve(),
        pack_config=policy_config,
        progress=_progress,
        preview=not resolved,
    )
    _print(render_plan(result, quiet))
    if json_file is not None:
        write_json(result, json_file)
        _print([f"wrote {json_file}"])
    raise typer.Exit(1 if result.mandatory else 0)


@command()
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
    usable_folder(target, "--out")
    report = run_local(
        project_dir.resolve(), stack, products_dir, target, days, scale, seed, progress=_progress
    )
    _print(render_local(report, str(target / "mesh.duckdb")))
    raise typer.Exit(1 if report.failures else 0)


@command("test")
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
    from tools.unit.command import render_tests, run_tests, write_junit

    writable_file(junit, "--junit", make_folder=True)
    report = run_tests(project_dir.resolve(), stack, product, products_dir)
    _print(render_tests(report))
    if junit is not None:
        write_junit(report, junit)
    raise typer.Exit(1 if report.failed else 0)


@command()
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
    json_file: Annotated[
        Path | None,
        typer.Option("--json", help="Also write the results as JSON (for datamesh catalog)"),
    ] = None,
    as_me: Annotated[
        bool,
        typer.Option(
            "--as-me",
            help="Query as yourself, not as each product's service account (row access "
            "policies then hide rows, and the checks say so)",
        ),
    ] = False,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            help="A BigQuery API endpoint (an emulator), queried anonymously "
            "(default: $BIGQUERY_EMULATOR_HOST)",
        ),
    ] = None,
) -> None:
    """Run the contracts' checks against a deployed stack's BigQuery tables."""
    import functools

    from tools.check.command import default_client, render_check, run_check, to_json

    writable_file(json_file, "--json")
    factory = functools.partial(default_client, endpoint=endpoint)
    results = run_check(registry, products_dir, project, factory, as_user=as_me)
    _print(render_check(results, stack))
    if json_file is not None:
        json_file.write_text(to_json(results) + "\n")
    raise typer.Exit(1 if any(not r.passed for r in results) else 0)


@command()
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
    approved_by: Annotated[
        list[str] | None,
        typer.Option(
            "--approved-by",
            help="A governance owner (@org/team or @user) who approved the pull request; "
            "repeat for each",
        ),
    ] = None,
) -> None:
    """Contract evolution gate: classify every change between two versions of the mesh,
    enforce versioning and show who each breaking change reaches."""
    from tools.diff.command import run_diff
    from tools.diff.render import FORMATS, render_diff, rules_table, to_json

    if rules:
        _print([rules_table()])
        raise typer.Exit(0)
    required(base, "--base", "give the git ref to compare with (e.g. main)")
    assert base is not None
    one_of(output_format, list(FORMATS), "--format")
    writable_file(json_file, "--json")
    report = run_diff(
        project_dir,
        base,
        head,
        products_dir,
        policy_pack,
        progress=_progress,
        approved_by=tuple(approved_by or ()),
    )
    sys.stdout.write(render_diff(report, output_format) + "\n")
    if json_file is not None:
        json_file.write_text(json.dumps(to_json(report), indent=2) + "\n")
    raise typer.Exit(1 if report.errors else 0)


@command()
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
    checks: Annotated[
        Path | None,
        typer.Option(
            "--checks", help="Results of `datamesh check --json` on the deployed stack (health)"
        ),
    ] = None,
) -> None:
    """Build the static catalog site (overview, products, lineage, declared dashboards)."""
    from tools.catalog.command import render_catalog, run_catalog

    target = out_dir or Path("out/site") / stack
    written = run_catalog(project_dir.resolve(), stack, local_dir, target, products_dir, checks)
    _print(render_catalog(written, target))


new_app = typer.Typer(help="Scaffold a new data product.", no_args_is_help=True)
app.add_typer(new_app, name="new")


@command("product", on=new_app)
def new_product(
    product_id: Annotated[str, typer.Argument(metavar="ID", help="The new product's id")],
    domain: Annotated[str, typer.Option("--domain", help="Its domain")],
    inputs: Annotated[
        list[str] | None,
        typer.Option(
            "--input",
            help="An input port, KIND[:NAME] (pubsub, google-sheet, federated) or "
            "product:<id>.<port>[:NAME]; repeat for more (default google-sheet:sheet)",
        ),
    ] = None,
    transformation: Annotated[
        str | None,
        typer.Option(
            "--transformation",
            help="dataflow-flex-template, scheduled-query or views (default: what the "
            "inputs call for)",
        ),
    ] = None,
    outputs: Annotated[
        list[str] | None,
        typer.Option("--output", help="An output port, KIND[:NAME] (table, view); repeat"),
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Owning team (default: the domain)")
    ] = None,
    tenant_column: Annotated[
        str | None,
        typer.Option("--tenant-column", help="Its sources hold tenants' rows: their tenant column"),
    ] = None,
    stack: Annotated[
        str | None, typer.Option("--stack", help="Add it to the stack's data-mesh:products")
    ] = None,
    products_dir: Annotated[
        Path | None, typer.Option("--products-dir", help="Product specs (default: products)")
    ] = None,
    project_dir: Annotated[Path, typer.Option(help="Folder with Pulumi.yaml")] = Path("."),
) -> None:
    """Write a product that validates, plans, runs locally and passes its unit test."""
    from tools.scaffold.command import NewOptions, render_new, run_new

    options = NewOptions(
        product_id, domain, inputs or [], transformation, outputs or [], owner, tenant_column, stack
    )
    _print(render_new(run_new(project_dir.resolve(), products_dir, options)))


@command()
def graph(products_dir: ProductsDir = Path("products")) -> None:
    """Print the lineage of the mesh as a Mermaid flowchart."""
    sys.stdout.write(mermaid(load_mesh(products_dir)))


def _generate(generated: Generated, root: Path, check: bool) -> None:
    target = root / generated.path
    if target.is_dir():
        raise OptionProblem(SpecIssue(COMMAND_LINE, "--output", f"{generated.path} is a folder"))
    if check:
        if not is_fresh(generated, root):
            err.print(
                f"{generated.path}: (file): stale; run `{generated.command}` to regenerate it"
            )
            raise typer.Exit(1)
        _print([f"{generated.path} is up to date"])
        return
    if not target.parent.is_dir():
        raise OptionProblem(
            SpecIssue(COMMAND_LINE, "--output", f"folder {target.parent} does not exist")
        )
    _print([f"wrote {write(generated, root)}"])


@command()
def schema(
    check: Annotated[bool, typer.Option(help="Fail if the committed schema is stale")] = False,
    output: Annotated[Path, typer.Option(help="Where the schema lives")] = Path(
        "products/product.schema.json"
    ),
) -> None:
    """Write (or check) the JSON Schema that editors use to validate product.yaml."""
    _generate(product_schema(output), Path.cwd(), check)


@command()
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
