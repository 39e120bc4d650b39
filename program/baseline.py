"""Build the project baseline first and make every later resource wait for what it
needs from it (its API, its service agent's key grant)."""

from __future__ import annotations

import pulumi

from components.baseline import ProjectBaseline, ProjectBaselineArgs
from model import Mesh
from model.baseline import baseline
from model.stack_settings import StackSettings


def build_baseline(
    mesh: Mesh, settings: StackSettings, project_number: pulumi.Input[str]
) -> ProjectBaseline:
    """The baseline, and a stack transformation adding its resources to the
    `depends_on` of each resource created after it (components' children included)."""
    built = ProjectBaseline(
        "baseline",
        ProjectBaselineArgs(
            settings.project, baseline(mesh, settings), project_number, settings.kms_key
        ),
    )

    def wait_for_baseline(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        needs = built.ready(args.type_)
        if not needs:
            return None
        opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(depends_on=needs))
        return pulumi.ResourceTransformationResult(args.props, opts)

    pulumi.runtime.register_stack_transformation(wait_for_baseline)
    return built
