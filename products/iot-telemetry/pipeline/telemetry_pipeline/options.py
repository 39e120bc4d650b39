"""Pipeline parameters: the Flex Template's (metadata.json) plus local-run ones."""

from __future__ import annotations

import argparse

from apache_beam.options.pipeline_options import PipelineOptions


class TelemetryOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--input_subscription", help="projects/<p>/subscriptions/<s>")
        parser.add_argument("--input_file", help="Local run: JSONL of Pub/Sub-shaped messages")
        parser.add_argument("--output_table", help="<project>:<dataset>.<table> (metrics port)")
        parser.add_argument("--output_path", help="Local run: prefix of the JSONL row files")
        parser.add_argument("--dead_letter_table", help="<project>:<dataset>.<table>")
        parser.add_argument("--dead_letter_path", help="Local run: prefix of dead-letter files")
        parser.add_argument("--device_tenants_table", help="<project>:<dataset>.<table>")
        parser.add_argument("--device_tenants_file", help="Local run: JSONL of the mapping")
        parser.add_argument(
            "--tenant_refresh_minutes",
            type=int,
            default=15,
            help="Streaming: how often the mapping is reloaded",
        )
