"""A diff report as text (terminal), markdown (a pull request comment), GitHub workflow
commands (annotations on the pull request's files) and JSON."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from model.evolution import RULES, VERSIONING, Change, Consumer
from model.evolution.rules import BREAKING, NON_BREAKING
from tools.diff.command import DiffReport
from tools.diff.governance import Approval

JSON_VERSION = 1


def _consumer(c: Consumer) -> str:
    where = f" (stacks: {', '.join(c.stacks)})" if c.stacks else " (no stack deploys it)"
    if not c.port:
        return f"{c.product} reads the port; none of its outputs use the change{where}"
    how = ", ".join(c.uses) + "".join(f", through {t}" for t in c.through)
    return f"{c.product}.{c.port} ({how.strip(', ')}): {', '.join(c.columns)}{where}"


def _reach(c: Change, stacks: Collection[str] = ()) -> list[str]:
    """The blast radius of a change, one line per reader; `stacks`: this repository's
    (their readers are named by their externalProducts, others by registry files)."""
    lines = [f"affects {_consumer(x)}" for x in c.affected]
    for x in c.readers_elsewhere:
        where = "externalProducts" if x.split(": ")[0] in stacks else "registry"
        lines.append(f"read by {x} ({where})")
    return lines or ["no consumer product reads it"]


def _line(r: DiffReport, c: Change) -> str:
    subject = c.subject or r.show(c.file)
    return f"{c.rule}: {subject}" + (f" ({c.detail})" if c.detail else "")


def verdict(r: DiffReport) -> str:
    breaking = [c for c in r.changes if c.category == BREAKING]
    if r.errors:
        return f"BLOCKED: {len(r.errors)} versioning error(s), {len(breaking)} breaking change(s)"
    if breaking:  # on 0.x contracts, which promise nothing yet
        return f"OK: no versioning error ({len(breaking)} breaking change(s) allowed, see above)"
    return "OK: no breaking change"


def text(r: DiffReport) -> str:
    out = [f"Contract diff {r.base} -> {r.head}"]
    if r.stopped:
        out.append("The head mesh does not load because of the errors below; fix them first.")
    if r.problems:
        out.append("\nVersioning:")
        for p in r.problems:
            out.append(f"  {p.level}: {p.rule}: {p.message}  [{r.show(p.file)}]")
    sections = [(BREAKING, "Breaking changes"), (NON_BREAKING, "Non-breaking changes")]
    for category, title in sections:
        items = [c for c in r.changes if c.category == category]
        if not items:
            continue
        out.append(f"\n{title}:")
        for c in items:
            out.append(f"  {_line(r, c)}  [{r.show(c.file)}]")
            if c.shows_reach:
                out += [f"      {line}" for line in _reach(c, r.head_side.stacks)]
    if r.approvals:
        out.append("\nGovernance changes (need approval):")
        for a in r.approvals:
            out.append(f"  {_line(r, a.change)}  [{r.show(a.change.file)}] {_approvers(a)}")
    out.append("\n" + verdict(r))
    return "\n".join(out)


def _approvers(a: Approval) -> str:
    """Who must approve: the file's owners, and the governance owners where the change
    lowers protection (with whether they have)."""
    text = "approvers: " + (", ".join(a.owners) or "no CODEOWNERS entry")
    if a.governance:
        state = "approved" if a.approved else "not yet approved"
        text += f"; governance required: {', '.join(a.governance)} ({state})"
    return text


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(r: DiffReport) -> str:
    out = [f"### Data contract diff `{r.base}` → `{r.head}`", "", f"**{verdict(r)}**", ""]
    if r.stopped:
        out += ["The head mesh does not load because of the errors below; fix them first.", ""]
    if r.problems:
        out += ["#### Versioning", "", "| level | rule | problem | file |", "|---|---|---|---|"]
        out += [
            f"| {p.level} | `{p.rule}` | {_cell(p.message)} | `{r.show(p.file)}` |"
            for p in r.problems
        ]
        out.append("")
    breaking = [c for c in r.changes if c.category == BREAKING]
    if breaking:
        out += ["#### Breaking changes and their blast radius", ""]
        for c in breaking:
            out.append(
                f"- `{c.rule}` **{_cell(c.subject)}** {_cell(c.detail)} (`{r.show(c.file)}`)"
            )
            out += [f"  - {_cell(line)}" for line in _reach(c, r.head_side.stacks)]
        out.append("")
    if r.approvals:
        out += ["#### Governance changes", "", "| change | file | approvers |", "|---|---|---|"]
        out += [
            f"| `{a.change.rule}` {_cell(a.change.subject or a.change.detail)} | "
            f"`{r.show(a.change.file)}` | {_cell(_approvers(a))} |"
            for a in r.approvals
        ]
        out.append("")
    other = [c for c in r.changes if c.category == NON_BREAKING]
    if other:
        out += [f"<details><summary>{len(other)} non-breaking change(s)</summary>", ""]
        for c in other:
            out.append(f"- `{c.rule}` {_cell(c.subject)} {_cell(c.detail)}")
            if c.shows_reach:
                out += [f"  - {_cell(line)}" for line in _reach(c, r.head_side.stacks)]
        out += ["", "</details>", ""]
    out.append("<sub>`datamesh diff`: rules in the README, section Contract evolution.</sub>")
    return "\n".join(out)


def _escape(value: str, prop: bool = False) -> str:
    """GitHub workflow command escaping (data; properties also escape ':' and ',')."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github(r: DiffReport) -> str:
    """Workflow commands: errors and breaking changes annotate the files they are about."""
    lines: list[str] = []

    def emit(level: str, file: str, title: str, message: str) -> None:
        props = (f"file={_escape(file, True)}," if file else "") + f"title={_escape(title, True)}"
        lines.append(f"::{level} {props}::{_escape(message)}")

    for p in r.problems:
        emit(p.level, r.repo_path(p.file), f"datamesh diff: {p.rule}", p.message)
    for c in r.changes:
        if c.shows_reach:
            reach = "; ".join(_reach(c, r.head_side.stacks))
            emit("warning", r.repo_path(c.file), f"breaking: {c.rule}", f"{_line(r, c)}: {reach}")
    for a in r.approvals:
        emit(
            "notice" if a.approved else "error",
            r.repo_path(a.change.file),
            f"governance: {a.change.rule}",
            f"{_line(r, a.change)}; {_approvers(a)}",
        )
    lines.append(verdict(r))
    return "\n".join(lines)


def to_json(r: DiffReport) -> dict[str, Any]:
    def change(c: Change) -> dict[str, Any]:
        return {
            "rule": c.rule,
            "category": c.category,
            "product": c.product,
            "port": c.port,
            "column": c.column,
            "detail": c.detail,
            "file": r.show(c.file),
            "affected": [
                {
                    "product": x.product,
                    "port": x.port,
                    "columns": list(x.columns),
                    "stacks": list(x.stacks),
                    "uses": list(x.uses),
                    "through": list(x.through),
                }
                for x in c.affected
            ],
            "readersElsewhere": list(c.readers_elsewhere),
        }

    return {
        "version": JSON_VERSION,
        "base": r.base,
        "head": r.head,
        "passed": not r.errors,
        "stopped": r.stopped,
        "problems": [
            {
                "rule": p.rule,
                "level": p.level,
                "product": p.product,
                "port": p.port,
                "message": p.message,
                "file": r.show(p.file),
            }
            for p in r.problems
        ],
        "changes": [change(c) for c in r.changes],
        "approvals": [
            {
                "rule": a.change.rule,
                "file": r.show(a.change.file),
                "detail": a.change.detail,
                "owners": list(a.owners),
                "governance": list(a.governance),
                "approved": a.approved,
                "required": list(a.required),
            }
            for a in r.approvals
        ],
    }


def rules_table() -> str:
    """The rule table as markdown (README's Contract evolution section)."""
    out = ["| rule | class | meaning |", "|---|---|---|"]
    for rule in RULES.values():
        cls = rule.category + (" + governance review" if rule.approval else "")
        cls += ", readers listed" if rule.reach else ""
        out.append(f"| `{rule.id}` | {cls} | {rule.meaning} |")
    out += ["", "| versioning problem | level | meaning |", "|---|---|---|"]
    out += [f"| `{k}` | {level} | {meaning} |" for k, (level, meaning) in VERSIONING.items()]
    return "\n".join(out)


FORMATS: dict[str, Callable[[DiffReport], str]] = {
    "text": text,
    "markdown": markdown,
    "github": github,
}


def render_diff(report: DiffReport, fmt: str = "text") -> str:
    return FORMATS[fmt](report)
