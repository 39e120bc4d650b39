"""Control port: who is told when the product breaks its promises, and the
checks that find out (Cloud Monitoring alerts, Dataplex data-quality scans)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.options import child
from components.placement import Placement, table_resource_name
from components.quality_rules import quality_rules, row_filter
from model import conventions as conv
from model.contract import Contract
from model.product import OutputPort


@dataclass(frozen=True)
class Watched:
    """The running parts of a product that the control port watches."""

    subscriptions: Mapping[str, gcp.pubsub.Subscription] = field(default_factory=dict)
    dead_letter_subscriptions: Mapping[str, gcp.pubsub.Subscription] = field(default_factory=dict)
    dataflow_job: gcp.dataflow.FlexTemplateJob | None = None
    transfer_configs: Sequence[gcp.bigquery.DataTransferConfig] = ()
    tables: Mapping[str, gcp.bigquery.Table] = field(default_factory=dict)


@dataclass(frozen=True)
class ControlPortArgs:
    placement: Placement
    owner_group: str
    owner_contact: str  # the team's address, alerted first
    notification_emails: Sequence[str]  # on-call addresses of the stack
    freshness_minutes: int  # the product's freshness SLO
    output_ports: Sequence[OutputPort]
    contracts: Mapping[str, Contract]  # output port -> its contract
    watched: Watched


PUBSUB_SUB = "pubsub_subscription"
DATAFLOW_JOB = "dataflow_job"
OLDEST_UNACKED = "pubsub.googleapis.com/subscription/oldest_unacked_message_age"
UNDELIVERED = "pubsub.googleapis.com/subscription/num_undelivered_messages"
JOB_FAILED = "dataflow.googleapis.com/job/is_failed"
SYSTEM_LAG = "dataflow.googleapis.com/job/system_lag"


def _filter(resource_type: str, label: str, metric: str) -> Callable[[str], str]:
    """A monitoring filter on one resource, by the label that names it."""
    return lambda value: (
        f'resource.type = "{resource_type}" AND resource.labels.{label} = "{value}" '
        f'AND metric.type = "{metric}"'
    )


def _threshold(
    display: str, metric_filter: pulumi.Input[str], value: float, duration: str = "300s"
) -> dict[str, object]:
    return {
        "display_name": display,
        "condition_threshold": {
            "filter": metric_filter,
            "comparison": "COMPARISON_GT",
            "threshold_value": value,
            "duration": duration,
            "aggregations": [{"alignment_period": "60s", "per_series_aligner": "ALIGN_MAX"}],
        },
    }


class ControlPort(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: ControlPortArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(conv.CONTROL_PORT, name, None, opts)
        self._name, self._args = name, args
        self._channels = self._notification_channels()
        self._backlog_alerts()
        self._pipeline_alerts()
        self._scheduled_query_alerts()
        for out in args.output_ports:
            if out.stores_rows and out.name in args.watched.tables:
                self._quality_scan(name, args, out, args.watched.tables[out.name])
        self.register_outputs({"channels": self._channels})

    def _notification_channels(self) -> list[pulumi.Output[str]]:
        """The owning team first, then the stack's on-call addresses."""
        at, args = self._args.placement, self._args
        emails = {"owner": args.owner_contact}
        emails.update({f"ops-{i}": e for i, e in enumerate(args.notification_emails)})
        return [
            gcp.monitoring.NotificationChannel(
                f"{self._name}-channel-{key}",
                project=at.project,
                display_name=f"{at.product} {key}: {email}",
                type="email",
                labels={"email_address": email},
                user_labels=at.labels(),
                opts=child(self),
            ).name
            for key, email in emails.items()
        ]

    def _alert(self, key: str, title: str, conditions: list[dict[str, object]]) -> None:
        at = self._args.placement
        gcp.monitoring.AlertPolicy(
            f"{self._name}-alert-{key}",
            project=at.project,
            display_name=f"{at.product}: {title}",
            combiner="OR",
            conditions=conditions,
            notification_channels=self._channels,
            documentation={
                "content": f"Data product {at.product} ({at.domain}) breaks its SLO. "
                f"Owner: {self._args.owner_group}.",
                "mime_type": "text/markdown",
            },
            user_labels=at.labels(),
            severity="ERROR",
            opts=child(self),
        )

    @property
    def _freshness_s(self) -> int:
        return self._args.freshness_minutes * 60

    def _backlog_alerts(self) -> None:
        watched = self._args.watched
        for port_name, sub in watched.subscriptions.items():
            self._alert(
                f"{port_name}-backlog",
                f"{port_name} backlog older than the freshness SLO",
                [
                    _threshold(
                        "oldest unacked message age",
                        sub.name.apply(_filter(PUBSUB_SUB, "subscription_id", OLDEST_UNACKED)),
                        self._freshness_s,
                    ),
                ],
            )
        for port_name, sub in watched.dead_letter_subscriptions.items():
            self._alert(
                f"{port_name}-dead-letters",
                f"{port_name} messages dead-lettered",
                [
                    _threshold(
                        "undelivered dead letters",
                        sub.name.apply(_filter(PUBSUB_SUB, "subscription_id", UNDELIVERED)),
                        0,
                        duration="0s",
                    ),
                ],
            )

    def _pipeline_alerts(self) -> None:
        if self._args.watched.dataflow_job is None:
            return
        job = self._args.watched.dataflow_job.name
        self._alert(
            "dataflow",
            "pipeline failed or lagging",
            [
                _threshold(
                    "job failed", job.apply(_filter(DATAFLOW_JOB, "job_name", JOB_FAILED)), 0, "0s"
                ),
                _threshold(
                    "system lag above the freshness SLO",
                    job.apply(_filter(DATAFLOW_JOB, "job_name", SYSTEM_LAG)),
                    self._freshness_s,
                ),
            ],
        )

    def _scheduled_query_alerts(self) -> None:
        """Failed runs are logged, not measured: a log metric over the configs' logs."""
        configs = self._args.watched.transfer_configs
        if not configs:
            return
        at = self._args.placement
        ids = pulumi.Output.all(*[c.name for c in configs]).apply(
            lambda names: " OR ".join(f'"{n.rsplit("/", 1)[-1]}"' for n in names)
        )
        metric = gcp.logging.Metric(
            f"{self._name}-scheduled-query-failures",
            project=at.project,
            name=f"mesh/{at.product}/scheduled-query-failures",
            description=f"Failed scheduled-query runs of data product {at.product}",
            filter=ids.apply(
                lambda i: (
                    'resource.type = "bigquery_dts_config" AND severity >= ERROR '
                    f"AND resource.labels.config_id = ({i})"
                )
            ),
            metric_descriptor={"metric_kind": "DELTA", "value_type": "INT64", "unit": "1"},
            opts=child(self),
        )
        self._alert(
            "scheduled-queries",
            "scheduled query failed",
            [
                _threshold(
                    "failed runs",
                    metric.name.apply(
                        lambda n: (
                            f'metric.type = "logging.googleapis.com/user/{n}" AND '
                            'resource.type = "bigquery_dts_config"'
                        )
                    ),
                    0,
                    duration="0s",
                )
            ],
        )

    def _quality_scan(
        self, name: str, args: ControlPortArgs, port: OutputPort, table: gcp.bigquery.Table
    ) -> None:
        at = args.placement
        contract = args.contracts[port.name]
        hourly = args.freshness_minutes <= 60
        gcp.dataplex.Datascan(
            f"{name}-dq-{port.name}",
            project=at.project,
            location=at.region,
            data_scan_id=conv.quality_scan_id(at.product, port.name),
            display_name=f"{at.product} {port.name} quality"[:100],
            description=f"Rules of contract {contract.id} {contract.version}",
            labels=at.labels(port.name, "output"),
            data={"resource": table_resource_name(at.project, at.dataset_id, port.physical_name)},
            execution_spec={
                "trigger": {
                    "schedule": {"cron": "TZ=UTC 15 * * * *" if hourly else "TZ=UTC 0 4 * * *"}
                }
            },
            data_quality_spec={
                "rules": quality_rules(contract),
                "row_filter": row_filter(port, contract),
            },
            opts=child(self, depends_on=[table]),
        )
