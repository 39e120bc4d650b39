from __future__ import annotations

from pathlib import Path

from model.sql import PortRef, load_sql


def _sql(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.sql"
    path.write_text(text, encoding="utf-8")
    return path


def test_placeholders_are_found_and_rendered(tmp_path: Path) -> None:
    text = (
        "WITH x AS (SELECT * FROM {{ iot-telemetry.metrics }})\n"
        "SELECT * FROM x JOIN {{input.logbook-sheet}} USING (device_id)"
    )
    sql, issues = load_sql(_sql(tmp_path, text), "f")
    assert issues == []
    assert sql is not None
    assert sql.refs == (PortRef("input", "logbook-sheet"), PortRef("iot-telemetry", "metrics"))
    rendered = sql.render(lambda r: f"`p.{r.product}.{r.port}`")
    assert "`p.iot-telemetry.metrics`" in rendered
    assert "{{" not in rendered


def test_hard_coded_tables_are_rejected(tmp_path: Path) -> None:
    _, issues = load_sql(_sql(tmp_path, "SELECT * FROM `my-proj.iot.metrics_v1`"), "f")
    assert len(issues) == 1
    assert "'my-proj.iot.metrics_v1' directly" in issues[0].message


def test_unparseable_sql_names_line_and_column(tmp_path: Path) -> None:
    _, issues = load_sql(_sql(tmp_path, "SELECT FROM WHERE"), "transformation.views[0].sql")
    assert len(issues) == 1
    assert issues[0].field == "transformation.views[0].sql"
    assert issues[0].message.startswith("does not parse as BigQuery SQL")


def test_only_one_select_statement(tmp_path: Path) -> None:
    _, issues = load_sql(_sql(tmp_path, "SELECT 1; SELECT 2"), "f")
    assert "2 statements" in issues[0].message
    _, issues = load_sql(_sql(tmp_path, "DELETE FROM {{ a-b.c }} WHERE TRUE"), "f")
    assert "must be a query" in issues[0].message


def test_malformed_placeholder(tmp_path: Path) -> None:
    _, issues = load_sql(_sql(tmp_path, "SELECT * FROM {{ metrics }}"), "f")
    assert "malformed placeholder" in issues[0].message
