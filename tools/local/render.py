"""The local run's report as the terminal shows it."""

from __future__ import annotations

from tools.warehouse.report import LocalReport


def render_local(report: LocalReport, database: str) -> list[str]:
    lines = [f"Local run of {report.stack}: {len(report.products)} products, clock {report.clock}"]
    lines.append("Inputs:")
    for key, item in report.inputs.items():
        lines.append(f"  {key:<40} {item['rows']:>9,} rows  {item['source']}")
        lines += [f"    note: {note}" for note in item["notes"]]
    lines.append("Output ports:")
    lines += [f"  {key:<40} {rows:>9,} rows" for key, rows in report.rows.items()]
    passed = sum(c.passed for c in report.checks)
    lines.append(f"Contract checks: {passed} passed, {len(report.checks) - passed} failed")
    ok = sum(i.passed for i in report.isolation)
    lines.append(f"Tenant isolation: {ok} of {len(report.isolation)} principal x port reads clean")
    lines += isolation_matrix(report)
    lines += [f"  FAILED {failure}" for failure in report.failures]
    lines.append(f"Seconds: {report.seconds}")
    lines.append(f"wrote {database} and the report beside it")
    return lines


def isolation_matrix(report: LocalReport) -> list[str]:
    """One row per principal, one column per port: rows seen / rows owned. Ports are
    listed by number under the matrix, so no name is cut."""
    ports = sorted({f"{i.product}.{i.port}" for i in report.isolation})
    principals = sorted({i.principal for i in report.isolation})
    cells = {(i.principal, f"{i.product}.{i.port}"): i for i in report.isolation}
    width = max(
        [12] + [len(f"{c.rows_seen}/{c.own_rows} LEAK {c.leaked}") + 2 for c in report.isolation]
    )
    who_width = max([9, *map(len, principals)]) + 2
    lines = [
        "  "
        + "principal".ljust(who_width)
        + "".join(f"[{n}]".rjust(width) for n in range(1, len(ports) + 1))
    ]
    for who in principals:
        row = ""
        for port in ports:
            cell = cells.get((who, port))
            text = "-" if cell is None else f"{cell.rows_seen}/{cell.own_rows}"
            if cell is not None and not cell.proven:
                text += " NO DATA"
            elif cell is not None and not cell.passed:
                text += f" LEAK {cell.leaked}"
            row += text.rjust(width)
        lines.append("  " + who.ljust(who_width) + row)
    lines += [f"    [{n}] {port}" for n, port in enumerate(ports, 1)]
    return lines
