"""Probe pack: each policy reports what the analyzer handed it (tests only)."""

from probe_policies import POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(name="probe", policies=POLICIES, enforcement_level=EnforcementLevel.ADVISORY)
