"""The Pulumi program: read the stack's config, load the mesh, build the project
baseline and the products this stack deploys, export the mesh registry."""

import pulumi
import pulumi_gcp as gcp

from model.conventions import REGISTRY_OUTPUT
from program.baseline import build_baseline
from program.build import build_mesh
from program.stack import federated_credentials, pipeline_sources, read_stack

settings, mesh = read_stack()
project = gcp.organizations.get_project_output(project_id=settings.project)
build_baseline(mesh, settings, project.number)
registry = build_mesh(
    mesh,
    settings,
    project_number=project.number,
    federated_credentials=federated_credentials(),
    pipelines=pipeline_sources(mesh, settings),
)
pulumi.export(REGISTRY_OUTPUT, registry)
