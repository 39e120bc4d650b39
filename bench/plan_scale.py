"""Benchmark: offline plan of synthetic meshes of 10, 100 and 1000 products.

Each mesh is made of groups of the five IoT products, ids suffixed per group and
rewired to read within their group. For each size, a child process runs the real
`__main__.py` under mocks and then the policy pack (wall time, peak RSS, policy
share); a second child registers the same recorded custom resources (same types
and inputs) flat, without components and without policies: the baseline. The
ratio compares time per custom resource.

    .venv/bin/python bench/plan_scale.py [--sizes 10 100 1000]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
IOT = ["iot-metadata", "iot-actions-taken", "customers", "iot-telemetry", "iot-analytics"]


def _rename(text: str, group: str) -> str:
    """Suffix product ids in specs and SQL placeholders, not port or table names."""
    for pid in IOT:
        new = f"{pid}-{group}"
        text = re.sub(rf"^id: {pid}$", f"id: {new}", text, flags=re.M)
        text = re.sub(rf"(\bproduct: ){pid}$", rf"\g<1>{new}", text, flags=re.M)
        text = re.sub(rf"\{{\{{ {pid}\.", f"{{{{ {new}.", text)
    return text


def generate(size: int, root: Path) -> list[str]:
    products = root / "products"
    products.mkdir(parents=True)
    shutil.copy(REPO / "products" / "product.schema.json", products)
    ids: list[str] = []
    for g in range(max(1, size // len(IOT))):
        group = f"g{g}"
        for pid in IOT:
            target = products / f"{pid}-{group}"
            shutil.copytree(REPO / "products" / pid, target)
            for f in [target / "product.yaml", *target.glob("sql/*.sql")]:
                f.write_text(_rename(f.read_text(), group))
            ids.append(f"{pid}-{group}")
    return ids


def write_project(root: Path, ids: list[str]) -> None:
    shutil.copy(REPO / "Pulumi.yaml", root)
    shutil.copy(REPO / "__main__.py", root)
    creds = {
        f"customers-{i.rsplit('-', 1)[1]}/crm-db": {"username": "u", "password": "p"}
        for i in ids
        if i.startswith("customers-")
    }
    config = {
        "gcp:project": "example-bench",
        "gcp:region": "europe-west1",
        "data-mesh:environment": "prod",
        "data-mesh:location": "europe-west1",
        "data-mesh:products": ids,
        "data-mesh:productsDir": str(root / "products"),
        "data-mesh:teams": {
            "iot": "iot-team@example.com",
            "crm": "crm-team@example.com",
            "analytics": "analytics-team@example.com",
        },
        "data-mesh:tenants": [
            {"id": t, "group": f"tenant-{t}-readers@example.com"}
            for t in ("acme", "globex", "initech")
        ],
        "data-mesh:kmsKey": (
            "projects/example-security/locations/europe-west1/keyRings/r/cryptoKeys/bench"
        ),
        "data-mesh:pipelineImageTag": "1.0.0",
        "data-mesh:notificationEmails": ["oncall@example.com"],
        "data-mesh:policyTags": {
            "pii": "projects/k/locations/europe-west1/taxonomies/1/policyTags/2"
        },
        "data-mesh:federatedCredentials": creds,
    }
    import yaml

    (root / "Pulumi.bench.yaml").write_text(yaml.safe_dump({"config": config}))


def child_plan(root: Path, dump: Path) -> dict[str, Any]:
    from tools.plan.evaluator import evaluate
    from tools.plan.pack_config import read_pack_config, resolve_config
    from tools.plan.pack_loader import load_pack
    from tools.plan.runner import run_program

    start = time.perf_counter()
    run = run_program(root, "bench")
    program_s = time.perf_counter() - start
    pack = load_pack(REPO / "policies")
    resolved = resolve_config(
        pack, read_pack_config(REPO / "policies/config/prod.json"), REPO / "policies"
    )
    start = time.perf_counter()
    violations = evaluate(pack, resolved, run.resources, run.context()).violations
    policy_s = time.perf_counter() - start
    custom = [r for r in run.resources if r.custom and not r.read]
    dump.write_text(json.dumps([[r.type, r.name, r.inputs] for r in custom]))
    return {
        "resources": len(run.resources),
        "custom": len(custom),
        "program_s": program_s,
        "policy_s": policy_s,
        "mandatory": sum(v.enforcement_level == "mandatory" for v in violations),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child_baseline(dump: Path) -> dict[str, Any]:
    """The same custom resources registered flat under the same mocks and recorder."""
    import asyncio

    import pulumi
    from pulumi.runtime import settings as runtime_settings
    from pulumi.runtime.mocks import set_mocks
    from pulumi.runtime.stack import run_pulumi_func

    from tools.plan.mocks import GcpMocks
    from tools.plan.recorder import RecordingMonitor

    rows = json.loads(dump.read_text())
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = GcpMocks("example-bench", "europe-west1", lambda name: {})
    runtime_settings.reset_options(project="data-mesh", stack="bench", preview=False)
    monitor = RecordingMonitor(mocks)
    set_mocks(mocks, project="data-mesh", stack="bench", preview=False, monitor=monitor)

    def program() -> None:
        for type_token, name, inputs in rows:
            pulumi.CustomResource(type_token, name, dict(inputs))

    start = time.perf_counter()
    loop.run_until_complete(run_pulumi_func(program))
    elapsed = time.perf_counter() - start
    return {
        "custom": len(monitor.recorded),
        "baseline_s": elapsed,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"mesh-{size}-") as tmp:
        root = Path(tmp)
        ids = generate(size, root)
        write_project(root, ids)
        dump = root / "resources.json"
        start = time.perf_counter()
        plan = _child(["--child-plan", str(root), str(dump)])
        plan["wall_s"] = time.perf_counter() - start
        base = _child(["--child-baseline", str(dump)])
    per = plan["program_s"] / plan["custom"]
    per_base = base["baseline_s"] / base["custom"]
    return {
        "products": len(ids),
        **plan,
        "baseline_s": base["baseline_s"],
        "ms_per_resource": per * 1000,
        "baseline_ms_per_resource": per_base * 1000,
        "ratio": per / per_base,
        "policy_share": plan["policy_s"] / (plan["program_s"] + plan["policy_s"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--child-plan", nargs=2, metavar=("DIR", "DUMP"))
    parser.add_argument("--child-baseline", metavar="DUMP")
    args = parser.parse_args()
    if args.child_plan:
        print(json.dumps(child_plan(Path(args.child_plan[0]), Path(args.child_plan[1]))))
        return
    if args.child_baseline:
        print(json.dumps(child_baseline(Path(args.child_baseline))))
        return

    rows = []
    print(
        "products  resources  program s  policy s  ms/res  baseline ms/res  ratio  "
        "policy share  peak RSS MiB  mandatory",
        flush=True,
    )
    for size in args.sizes:
        r = measure(size)
        rows.append(r)
        print(
            f"{r['products']:>8}  {r['resources']:>9}  {r['program_s']:>9.1f}  "
            f"{r['policy_s']:>8.2f}  {r['ms_per_resource']:>6.2f}  "
            f"{r['baseline_ms_per_resource']:>15.2f}  {r['ratio']:>5.2f}  "
            f"{r['policy_share']:>12.1%}  {r['peak_rss_mib']:>12.0f}  {r['mandatory']:>9}",
            flush=True,
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last["ms_per_resource"] / first["ms_per_resource"]
        print(f"\ntime per resource, largest vs smallest mesh: {growth:.2f}x (1.0 = linear)")
    last = rows[-1]
    print(
        f"headline: {last['products']} products, {last['resources']} resources: "
        f"{last['ratio']:.2f}x the flat baseline per resource (target <= 1.15), "
        f"policies {last['policy_share']:.1%} of the time (target <= 10%), "
        f"peak RSS {last['peak_rss_mib']:.0f} MiB (target <= 4096)"
    )


if __name__ == "__main__":
    main()
