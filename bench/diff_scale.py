"""Benchmark: `datamesh diff` of a 1,000-product synthetic mesh with one changed contract.

The mesh is the IoT mesh repeated in groups (bench/plan_scale.py), each group's
contracts made distinct (their ids carry the group) so nothing is shared between
products that would not be in a real mesh. It is committed to a fresh git repository,
one contract gets a new nullable column, and `datamesh diff --base main` runs in a
child process. Baseline, measured in the same run: one cold `load_mesh` of the same
mesh in a child process (the diff must load two versions of it). Target: <= 10 s.

    .venv/bin/python bench/diff_scale.py [--size 1000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from plan_scale import generate  # noqa: E402
from timing import timed_python  # noqa: E402


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1000)
    size = parser.parse_args().size
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        ids = generate(size, root)
        for contract in (root / "products").glob("*/contracts/*.yaml"):
            group = contract.parent.parent.name.rsplit("-", 1)[1]
            text = contract.read_text().replace("\nid: urn:", f"\nid: {group}:urn:", 1)
            contract.write_text(text)
        _git(root, "init", "-q", "-b", "main")
        _git(root, "add", "-A")
        _git(root, "-c", "user.email=b@e", "-c", "user.name=b", "commit", "-qm", "mesh")
        target = root / "products" / ids[-1] / "contracts" / "co2-per-room-hourly.odcs.yaml"
        text = target.read_text().replace("version: 1.0.0", "version: 1.1.0", 1)
        target.write_text(
            text.replace(
                "    properties:\n",
                "    properties:\n"
                "      - {name: note, logicalType: string, description: A note.}\n",
                1,
            )
        )
        path = f"sys.path.insert(0, {str(REPO)!r})"
        load = f"import sys; {path}; from pathlib import Path; from model import load_mesh; "
        load += "load_mesh(Path('products'))"
        diff = f"import sys; {path}; from tools.cli import main; main(['diff', '--base', 'main'])"
        baseline = timed_python(load, root)
        measured = timed_python(diff, root, ok=(0, 1))
        print(f"products: {len(ids)}")
        print(f"baseline (one cold mesh load): {baseline:.2f} s")
        print(f"datamesh diff (two versions, one contract changed): {measured:.2f} s")
        print(f"ratio diff / one load: {measured / baseline:.2f}x; target <= 10 s: ", end="")
        print("met" if measured <= 10 else "NOT met")


if __name__ == "__main__":
    main()
