"""A real git repository holding the IoT mesh, for `datamesh diff` tests."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import REPO
from tools.cli import main

_IGNORE = shutil.ignore_patterns("__pycache__", "venv", ".venv", "node_modules")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message, "--allow-empty")
    return git(repo, "rev-parse", "HEAD")


def make_repo(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in ["products", "policies", ".github"]:
        shutil.copytree(REPO / name, target / name, ignore=_IGNORE)
    for path in REPO.glob("Pulumi*.yaml"):
        shutil.copy(path, target)
    git(target, "init", "-q", "-b", "main")
    git(target, "config", "user.email", "tests@example.com")
    git(target, "config", "user.name", "tests")
    commit(target, "base")
    git(target, "tag", "start")
    return target


def deployed_reader(repo: Path, stack: str, product: str, reads: tuple[str, str]) -> None:
    """Another stack's `product`, deployed from another repository, reads `reads`: its
    registry file, listed by iot-dev's data-mesh:offlineRegistries."""
    name = stack.rsplit("/", 1)[-1]
    registry = {
        "meshRegistry": {
            product: {
                "outputPorts": {},
                "inputPorts": {"in": {"product": reads[0], "port": reads[1]}},
            }
        }
    }
    (repo / "registries").mkdir(exist_ok=True)
    (repo / "registries" / f"{name}.json").write_text(json.dumps(registry))
    config = repo / "Pulumi.iot-dev.yaml"
    config.write_text(
        config.read_text()
        + f"  data-mesh:offlineRegistries:\n    {stack}: registries/{name}.json\n"
    )


@pytest.fixture(scope="module")
def shared_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("diff") / "repo")


@pytest.fixture
def repo(shared_repo: Path) -> Iterator[Path]:
    """The shared repository at `main`, clean again after each test."""
    yield shared_repo
    git(shared_repo, "checkout", "-q", "-f", "main")
    git(shared_repo, "reset", "-q", "--hard", "start")
    git(shared_repo, "clean", "-qfdx")
    branches = git(shared_repo, "for-each-ref", "--format=%(refname:short)", "refs/heads")
    for branch in branches.split():
        if branch != "main":
            git(shared_repo, "branch", "-q", "-D", branch)


Run = Callable[..., tuple[int, str, str, dict]]


@pytest.fixture
def run_diff(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    """`datamesh diff --base main ARGS` in the repository: (exit, stdout, stderr, json)."""

    def run(*args: str, base: str = "main") -> tuple[int, str, str, dict]:
        monkeypatch.chdir(repo)
        report = repo.parent / "diff.json"
        report.unlink(missing_ok=True)
        with pytest.raises(SystemExit) as exit_info:
            main(["diff", "--base", base, "--json", str(report), *args])
        captured = capsys.readouterr()
        data = json.loads(report.read_text()) if report.exists() else {}
        return int(exit_info.value.code or 0), captured.out, captured.err, data

    return run
