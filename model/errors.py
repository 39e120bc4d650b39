"""Problems found in a spec, each naming the file and the field it is about."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class SpecIssue:
    """One problem: `file: field.path: message`."""

    file: Path
    field: str
    message: str
    # Set on problems another tool treats specially (the contract diff reports a removed
    # port that is still read, or a major bump under the old name, as versioning errors).
    code: str = dataclasses.field(default="", compare=False)

    def render(self, relative_to: Path | None = None) -> str:
        shown = self.file
        base = relative_to or Path.cwd()
        with contextlib.suppress(ValueError, OSError, RuntimeError):  # RuntimeError: link loop
            shown = self.file.absolute().relative_to(base.resolve())
        return f"{shown}: {self.field or '(file)'}: {self.message}"

    def render_absolute(self) -> str:
        """With the file's full path, for messages read in another working folder."""
        return f"{self.file.absolute()}: {self.field or '(file)'}: {self.message}"


class CommandFailed(Exception):
    """Why a command cannot do its work, as the CLI prints it (`lines`) with its exit
    code: every error a user can cause is one of these; anything else is a bug."""

    exit_code = 2  # invalid input

    def lines(self) -> list[str]:
        return str(self).splitlines()


class InvalidInput(CommandFailed):
    """Input a command cannot work on: each problem as `file: field: message`, exit 2."""

    def __init__(self, issues: Iterable[SpecIssue]) -> None:
        self.issues: list[SpecIssue] = list(issues)
        super().__init__("\n".join(issue.render() for issue in self.issues))

    def lines(self) -> list[str]:
        return [issue.render() for issue in self.issues]


class InputProblem(InvalidInput):
    """One problem with the input that stops a step. Each step names its own subclass."""

    def __init__(self, issue: SpecIssue) -> None:
        self.issue = issue
        super().__init__([issue])


class SpecError(InvalidInput):
    """Raised when a mesh cannot be loaded; carries every problem found."""

    def __init__(self, issues: Iterable[SpecIssue]) -> None:
        super().__init__(sorted(set(issues)))


# The "file" of a problem with a command-line option: `command line: --out: ...`.
COMMAND_LINE = Path("command line")

# Checks that depend only on a file's text are cached by text (a contract diff loads two
# meshes sharing most files): they run against TEXT_PATH, and `at` moves their issues to
# the file that holds the text.
TEXT_PATH = Path("<text>")


def at(path: Path, issues: Iterable[SpecIssue]) -> list[SpecIssue]:
    return [dataclasses.replace(issue, file=path) for issue in issues]


DANGLING_PORT = "dangling-port"  # an input port names a product or port that does not exist
MAJOR_NAME_MISMATCH = "major-name-mismatch"  # a physical name names another major version


def field_path(loc: Sequence[str | int]) -> str:
    """Render a location tuple as `output_ports[0].partitioning.field`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
