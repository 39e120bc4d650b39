"""Transformation kind `dataflow-flex-template`: a streaming Apache Beam pipeline."""

from __future__ import annotations

import json
import re
from importlib import metadata, resources
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from model.files import FileProblem, read_json_object
from model.kinds.base import PipelineStep, SpecChecks, TransformationKind
from model.kinds.pubsub import PubSubInput
from model.kinds.scaffold import (
    InputScaffold,
    NewProduct,
    Produced,
    ScaffoldRefused,
    TransformationScaffold,
)
from model.kinds.table import TableOutput
from model.messages import rule
from model.spec_types import Column, RelativePath, Slug


class DataflowFlexTemplate(TransformationKind):
    """A streaming Apache Beam pipeline shipped as a Dataflow Flex Template."""

    # the job (workers are Compute Engine VMs), its image repository, template bucket,
    # and the image built and pushed by `pulumi up`
    apis: ClassVar[tuple[str, ...]] = (
        "dataflow.googleapis.com",
        "compute.googleapis.com",
        "artifactregistry.googleapis.com",
        "storage.googleapis.com",
    )

    kind: Literal["dataflow-flex-template"]
    pipeline: RelativePath = Field(description="Folder with metadata.json and Dockerfile")
    input_port: Slug = Field(description="The pubsub input port the pipeline reads")
    output_port: Slug = Field(description="The table output port the pipeline writes")
    parameters: dict[
        Annotated[
            str,
            StringConstraints(
                pattern=rule(
                    r"^[a-zA-Z][a-zA-Z0-9_]*$",
                    "a parameter name: letters, digits and '_', starting with a letter",
                )
            ),
        ],
        Annotated[str, StringConstraints(max_length=1024)],
    ] = Field(default_factory=dict)
    max_workers: int = Field(ge=1, le=1000)
    lineage: dict[Column, list[Annotated[str, StringConstraints(max_length=255)]]] = Field(
        default_factory=dict,
        description="Output column -> the input columns it derives from, as "
        "`<input port>.<column>` (nested: `<port>.<record>.<field>`); [] for values the "
        "pipeline computes from no input column. Every output column is declared.",
    )
    machine_type: Annotated[
        str,
        StringConstraints(
            pattern=rule(r"^[a-z0-9][a-z0-9-]*$", "a machine type such as n2-standard-2")
        ),
    ] = "n2-standard-2"

    def pipeline_step(self) -> PipelineStep:
        return PipelineStep(self.pipeline, self.input_port, self.output_port, dict(self.parameters))

    def writes(self) -> list[str]:
        return [self.output_port]

    def declared_lineage(self) -> dict[str, dict[str, list[str]]]:
        return {self.output_port: dict(self.lineage)}

    def summary(self) -> str:
        return f"Dataflow Flex Template pipeline {self.pipeline}"

    def check(self, out: SpecChecks) -> None:
        if not (out.folder / self.pipeline).is_dir():
            out.add(
                "transformation.pipeline",
                f"pipeline folder {self.pipeline!r} does not exist",
            )
        else:
            self._check_parameters(out)
        if not isinstance(out.product.input_port(self.input_port), PubSubInput):
            out.add("transformation.input_port", f"{self.input_port!r} is not a pubsub input port")
        if not isinstance(out.product.output_port(self.output_port), TableOutput):
            out.add(
                "transformation.output_port", f"{self.output_port!r} is not a table output port"
            )

    def _check_parameters(self, out: SpecChecks) -> None:
        """Parameters set in the spec are ones the pipeline's metadata.json declares:
        anything else would reach Dataflow as a pipeline option (identity, image, network)."""
        metadata = out.folder / self.pipeline / "metadata.json"
        try:
            declared = {
                str(p.get("name")): [str(r) for r in p.get("regexes") or []]
                for p in read_json_object(metadata, root=out.folder).get("parameters") or []
                if isinstance(p, dict)
            }
        except FileProblem as problem:
            out.issues.append(problem.issue)
            return
        for name, value in sorted(self.parameters.items()):
            if name not in declared:
                out.add(
                    f"transformation.parameters.{name}",
                    f"{name!r} is not a parameter of the pipeline's metadata.json "
                    f"({', '.join(sorted(declared))}); environment options are the platform's",
                )
            elif not _fits(value, declared[name]):
                out.add(
                    f"transformation.parameters.{name}",
                    f"{value!r} does not match the pattern metadata.json declares for it "
                    f"({' or '.join(declared[name])})",
                )

    @classmethod
    def scaffold(
        cls, new: NewProduct, inputs: dict[str, InputScaffold], outputs: list[tuple[str, str]]
    ) -> TransformationScaffold:
        events = [n for n, s in inputs.items() if s.event_contract]
        if len(events) != 1 or len(inputs) != 1:
            raise ScaffoldRefused(
                "--input",
                "a new pipeline reads exactly one pubsub input port (--input pubsub:NAME)",
            )
        if len(outputs) != 1 or outputs[0][1] != "table":
            raise ScaffoldRefused("--output", "a pipeline writes exactly one table output port")
        (name,), ((out, _),) = events, outputs
        source = inputs[name]
        package = f"{new.id.replace('-', '_')}_pipeline"
        spec = {
            "kind": "dataflow-flex-template",
            "pipeline": "pipeline",
            "input_port": name,
            "output_port": out,
            "max_workers": 2,
            "lineage": {c.name: [f"{name}.{c.name}"] for c in source.columns},
        }
        produced = Produced("table", source.columns, source.tenant_column, source.classifications)
        return TransformationScaffold(
            spec, {out: produced}, {out: name}, pipeline_files(new, name, out, package, source)
        )


def pipeline_files(
    new: NewProduct, port: str, out: str, package: str, source: InputScaffold
) -> dict[str, str]:
    """A working pipeline package and its Flex Template files, from the templates beside
    this module: it maps the event contract's fields to the output port's columns."""
    columns = [(c.name, c.type, c.required) for c in source.columns]
    values = {
        "__PRODUCT__": new.id,
        "__INPUT__": port,
        "__OUTPUT__": out,
        "__PACKAGE__": package,
        "__COLUMNS__": repr(columns),
        "__BEAM__": metadata.version("apache-beam") if _installed("apache-beam") else "2.75.0",
    }
    templates = resources.files("model.kinds") / "scaffolds" / "dataflow"
    targets = {
        "pipeline.py.tmpl": f"pipeline/{package}/pipeline.py",
        "main.py.tmpl": "pipeline/main.py",
        "setup.py.tmpl": "pipeline/setup.py",
        "requirements.txt.tmpl": "pipeline/requirements.txt",
        "Dockerfile.tmpl": "pipeline/Dockerfile",
    }
    files = {f"pipeline/{package}/__init__.py": ""}
    for template, target in targets.items():
        text = (templates / template).read_text()
        for key, value in values.items():
            text = text.replace(key, value)
        files[target] = text
    files["pipeline/metadata.json"] = json.dumps(_metadata(new.id, port, out), indent=2) + "\n"
    return files


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def _metadata(product: str, port: str, out: str) -> dict[str, object]:
    table = "^[^:]+:[A-Za-z0-9_]+\\.[A-Za-z0-9_]+$"
    return {
        "name": product,
        "description": f"Messages of input port {port} to rows of output port {out}",
        "parameters": [
            {
                "name": "input_subscription",
                "label": "Input subscription",
                "helpText": f"Pub/Sub subscription of input port {port}",
                "regexes": ["^projects/[^/]+/subscriptions/[^/]+$"],
            },
            {
                "name": "output_table",
                "label": "Output table",
                "helpText": f"Output port {out}",
                "regexes": [table],
            },
            {
                "name": "dead_letter_table",
                "label": "Dead-letter table",
                "helpText": "Where rejected messages go",
                "regexes": [table],
            },
        ],
    }


def _fits(value: str, patterns: list[str]) -> bool:
    """A value Dataflow would accept for a parameter: matching one of its regexes whole
    (a pattern Python cannot read accepts nothing)."""
    if not patterns:
        return True
    for pattern in patterns:
        try:
            if re.fullmatch(pattern, value):
                return True
        except re.error:
            continue
    return False
