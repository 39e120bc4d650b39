"""The Pulumi program: read the stack's config, load the mesh, build the products
this stack deploys, export the mesh registry."""

import pulumi
import pulumi_gcp as gcp

from model.conventions import REGISTRY_OUTPUT
from program.build import build_mesh
from program.stack import federated_credentials, read_stack, template_metadata

settings, mesh = read_stack()
project = gcp.organizations.get_project_output(project_id=settings.project)
registry = build_mesh(
    mesh,
    settings,
    project_number=project.number,
    federated_credentials=federated_credentials(),
    template_metadata=template_metadata(mesh, settings),
)
pulumi.export(REGISTRY_OUTPUT, registry)
