"""Dataflow Flex Template transformation: image repository, template bucket,
template spec, and the streaming job running as the product's identity.

Only template parameters go into `parameters`; environment options (workers,
network, identity) are top-level arguments, or every preview shows a
permanent diff (terraform-provider-google#14679).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_docker_build as docker_build
import pulumi_gcp as gcp

from components.build import Build, PipelineSource
from components.control import Watched
from components.options import child, iam, stateful
from components.placement import Placement
from model import conventions as conv
from model.product import DataflowFlexTemplate

DEAD_LETTER_TABLE = conv.DEAD_LETTER_TABLE
DEAD_LETTER_SCHEMA = [
    {
        "name": "reason",
        "type": "STRING",
        "mode": "REQUIRED",
        "description": "Why the event was rejected (invalid_json, contract, unknown_device, "
        "no_tenant, sink_error)",
    },
    {"name": "error", "type": "STRING", "mode": "NULLABLE", "description": "Error detail"},
    {"name": "payload", "type": "STRING", "mode": "NULLABLE", "description": "Raw message body"},
    {
        "name": "attributes",
        "type": "JSON",
        "mode": "NULLABLE",
        "description": "Pub/Sub message attributes",
    },
    {
        "name": "message_id",
        "type": "STRING",
        "mode": "NULLABLE",
        "description": "Pub/Sub message id",
    },
    {
        "name": "publish_time",
        "type": "TIMESTAMP",
        "mode": "NULLABLE",
        "description": "When Pub/Sub received the message",
    },
    {
        "name": "failed_at",
        "type": "TIMESTAMP",
        "mode": "REQUIRED",
        "description": "When the pipeline rejected it",
    },
]


@dataclass(frozen=True)
class PipelineWiring:
    """The resolved endpoints the pipeline's parameters point at."""

    input_subscription: pulumi.Input[str]
    output_table: pulumi.Input[str]  # project:dataset.table
    side_inputs: Mapping[str, pulumi.Input[str]]  # parameter name -> project:dataset.table
    pipeline: PipelineSource  # the folder its image is built from, and its metadata.json


@dataclass(frozen=True)
class DataflowTransformationArgs:
    placement: Placement
    spec: DataflowFlexTemplate
    wiring: PipelineWiring
    dataset_id: pulumi.Input[str]  # the product's dataset: holds the dead-letter table
    identity: pulumi.Input[str]  # the product's identity: runs the workers
    image_tag: str | None  # a prebuilt image's tag to run; None: build it from the folder
    subnetwork: str | None = None  # of the workers (private IPs)


def _image_name(at: Placement) -> str:
    return (
        f"{at.region}-docker.pkg.dev/{at.project}/{conv.artifact_repository(at.product)}/"
        f"{at.product}-pipeline"
    )


def bucket_name(project: str, product_id: str) -> str:
    """Globally unique, at most 63 characters, stable for a project and product."""
    name = f"{project}-{product_id}-dataflow"
    if len(name) <= 63:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:54]}-{digest}"


class DataflowTransformation(pulumi.ComponentResource):
    job: gcp.dataflow.FlexTemplateJob
    dead_letter_table: gcp.bigquery.Table

    def __init__(
        self,
        name: str,
        args: DataflowTransformationArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(conv.DATAFLOW_TRANSFORMATION, name, None, opts)
        self.repository = self._image_repository(name, args.placement)
        self.bucket = self._bucket(name, args.placement)
        image = self._image(name, args) if args.image_tag is None else None
        self.template = self._template_spec(name, args, image)
        self.dead_letter_table = self._dead_letter_table(name, args)
        self._grant_workers(name, args)
        dead_letter_ref = pulumi.Output.concat(
            args.placement.project,
            ":",
            self.dead_letter_table.dataset_id,
            ".",
            self.dead_letter_table.table_id,
        )
        self.job = self._job(name, args, dead_letter_ref)
        self.register_outputs({"jobName": self.job.name, "deadLetterTable": dead_letter_ref})

    def _image_repository(self, name: str, at: Placement) -> gcp.artifactregistry.Repository:
        return gcp.artifactregistry.Repository(
            f"{name}-images",
            project=at.project,
            location=at.region,
            repository_id=conv.artifact_repository(at.product),
            format="DOCKER",
            description=f"Pipeline images of data product {at.product}",
            labels=at.labels("pipeline", "internal"),
            kms_key_name=at.kms_key,
            # a tag names one image forever: the spec's tag is the folder's content
            docker_config={"immutable_tags": True},
            opts=child(self),
        )

    def _bucket(self, name: str, at: Placement) -> gcp.storage.Bucket:
        """Templates, staging and temp files: private, versioned, scratch expiring."""
        return gcp.storage.Bucket(
            f"{name}-bucket",
            project=at.project,
            name=bucket_name(at.project, at.product),
            location=at.region,
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            force_destroy=False,
            versioning={"enabled": True},
            labels=at.labels("pipeline", "internal"),
            encryption={"default_kms_key_name": at.kms_key} if at.kms_key else None,
            lifecycle_rules=[
                {
                    "action": {"type": "Delete"},
                    "condition": {"age": 7, "matches_prefixes": ["tmp/", "staging/"]},
                }
            ],
            opts=child(self),
        )

    def _image(self, name: str, args: DataflowTransformationArgs) -> docker_build.Image:
        """The launcher image, built from the pipeline folder and pushed by `pulumi up`
        (Docker with buildx where it runs), tagged by the folder's content: a change of
        the pipeline is a new tag, an unchanged folder is no change at all. Previews do
        not build (CI needs no Docker daemon)."""
        at, source = args.placement, args.wiring.pipeline
        registry = f"{at.region}-docker.pkg.dev"
        token = pulumi.Output.secret(gcp.organizations.get_client_config_output().access_token)
        image: docker_build.Image = docker_build.Image(
            f"{name}-image",
            context={"location": source.folder},
            dockerfile={"location": f"{source.folder}/Dockerfile"},
            platforms=[docker_build.Platform.LINUX_AMD64],  # Dataflow's launcher VMs
            tags=[f"{_image_name(at)}:{source.tag}"],
            push=True,
            build_on_preview=False,
            registries=[{"address": registry, "username": "oauth2accesstoken", "password": token}],
            opts=child(self, depends_on=[self.repository]),
        )
        return image

    def _template_spec(
        self, name: str, args: DataflowTransformationArgs, image: docker_build.Image | None
    ) -> gcp.storage.BucketObject:
        at = args.placement
        tag = args.image_tag or args.wiring.pipeline.tag
        # a built image runs by its digest (immutable); a prebuilt one by its tag
        ref: pulumi.Input[str] = image.ref if image is not None else f"{_image_name(at)}:{tag}"
        metadata = dict(args.wiring.pipeline.metadata)
        content = pulumi.Output.from_input(ref).apply(
            lambda image_ref: json.dumps(
                {"image": image_ref, "sdkInfo": {"language": "PYTHON"}, "metadata": metadata},
                indent=2,
                sort_keys=True,
            )
        )
        return gcp.storage.BucketObject(
            f"{name}-template-spec",
            bucket=self.bucket.name,
            name=f"templates/{at.product}-{tag}.json",
            content=content,
            content_type="application/json",
            opts=child(self),
        )

    def _dead_letter_table(self, name: str, args: DataflowTransformationArgs) -> gcp.bigquery.Table:
        at = args.placement
        return gcp.bigquery.Table(
            f"{name}-dead-letter-table",
            project=at.project,
            dataset_id=args.dataset_id,
            table_id=DEAD_LETTER_TABLE,
            description=(
                f"Events the {at.product} pipeline could not turn into rows, with the reason"
            ),
            labels=at.labels("dead-letters", "internal"),
            schema=json.dumps(DEAD_LETTER_SCHEMA),
            time_partitioning={"type": "DAY", "field": "failed_at"},
            deletion_protection=at.protect,
            opts=stateful(self, at.protect),
        )

    def _grant_workers(self, name: str, args: DataflowTransformationArgs) -> None:
        """What the workers need, on the narrowest resource that grants it."""
        at = args.placement
        gcp.projects.IAMMember(
            f"{name}-sa-dataflow-worker",
            project=at.project,
            role="roles/dataflow.worker",
            member=args.identity,
            opts=iam(self),
        )
        gcp.storage.BucketIAMMember(
            f"{name}-sa-bucket-objects",
            bucket=self.bucket.name,
            role="roles/storage.objectAdmin",
            member=args.identity,
            opts=iam(self),
        )
        gcp.artifactregistry.RepositoryIamMember(
            f"{name}-sa-images-reader",
            project=at.project,
            location=at.region,
            repository=self.repository.repository_id,
            role="roles/artifactregistry.reader",
            member=args.identity,
            opts=iam(self),
        )

    def _job(
        self, name: str, args: DataflowTransformationArgs, dead_letters: pulumi.Output[str]
    ) -> gcp.dataflow.FlexTemplateJob:
        at, spec, wiring = args.placement, args.spec, args.wiring
        parameters: dict[str, pulumi.Input[str]] = {
            **spec.parameters,
            "input_subscription": wiring.input_subscription,
            "output_table": wiring.output_table,
            "dead_letter_table": dead_letters,
            **wiring.side_inputs,
        }
        return gcp.dataflow.FlexTemplateJob(
            f"{name}-job",
            project=at.project,
            name=f"{at.product}-{spec.output_port}",
            region=at.region,
            container_spec_gcs_path=pulumi.Output.concat(
                "gs://", self.bucket.name, "/", self.template.name
            ),
            service_account_email=at.service_account_email,
            ip_configuration="WORKER_IP_PRIVATE",
            subnetwork=args.subnetwork,
            machine_type=spec.machine_type,
            max_workers=spec.max_workers,
            enable_streaming_engine=True,
            on_delete="drain",  # a streaming job finishes in-flight data instead of losing it
            temp_location=pulumi.Output.concat("gs://", self.bucket.name, "/tmp"),
            staging_location=pulumi.Output.concat("gs://", self.bucket.name, "/staging"),
            kms_key_name=at.kms_key,
            labels=at.labels(spec.input_port, "internal"),
            parameters=parameters,
            opts=child(self, depends_on=[self.template]),
        )


def _source(b: Build) -> PipelineSource:
    if b.args.pipeline is None:  # the program reads every deployed pipeline's folder
        raise pulumi.RunError(f"{b.at.product}: no pipeline folder was read for its image")
    return b.args.pipeline


def build(b: Build, t: DataflowFlexTemplate) -> Watched:
    settings = b.args.settings

    def table_ref(project: Any, dataset: Any, table: Any) -> pulumi.Output[str]:
        return pulumi.Output.concat(project, ":", dataset, ".", table)

    out = b.tables[t.output_port]
    wiring = PipelineWiring(
        input_subscription=b.subscription_paths[t.input_port],
        output_table=table_ref(out.project, out.dataset_id, out.table_id),
        side_inputs={
            f"{conv.sql_name(name)}_table": table_ref(ref.project, ref.dataset_id, ref.resource_id)
            for name, ref in sorted(b.args.upstream.items())
        },
        pipeline=_source(b),
    )
    flow = DataflowTransformation(
        f"{b.name}-transform",
        DataflowTransformationArgs(
            b.at,
            t,
            wiring,
            b.storage.dataset_id,
            b.storage.identity,
            settings.pipeline_image_tag,
            settings.subnetwork,
        ),
        b.opts(),
    )
    return Watched(dataflow_job=flow.job)
