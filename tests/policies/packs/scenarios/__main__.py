"""Scenario pack: the checks of pulumi-policy's integration tests `runtime_data` and
`parent_dependencies` (tests/integration/<name>/policy-pack-python), adapted to the
mesh's stacks. A failed expectation raises, so `datamesh plan` ends with exit 3."""

from pulumi_policy import EnforcementLevel, PolicyPack
from scenario_policies import POLICIES

PolicyPack(name="scenarios", policies=POLICIES, enforcement_level=EnforcementLevel.MANDATORY)
