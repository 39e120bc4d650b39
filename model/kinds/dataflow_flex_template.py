"""Transformation kind `dataflow-flex-template`: a streaming Apache Beam pipeline."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from model.files import FileProblem, read_json_object
from model.kinds.base import PipelineStep, SpecChecks, TransformationKind
from model.kinds.pubsub import PubSubInput
from model.kinds.table import TableOutput
from model.messages import rule
from model.spec_types import Column, RelativePath, Slug


class DataflowFlexTemplate(TransformationKind):
    """A streaming Apache Beam pipeline shipped as a Dataflow Flex Template."""

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
                str(p.get("name"))
                for p in read_json_object(metadata, root=out.folder).get("parameters") or []
                if isinstance(p, dict)
            }
        except FileProblem as problem:
            out.issues.append(problem.issue)
            return
        for name in sorted(set(self.parameters) - declared):
            out.add(
                f"transformation.parameters.{name}",
                f"{name!r} is not a parameter of the pipeline's metadata.json "
                f"({', '.join(sorted(declared))}); environment options are the platform's",
            )
