"""The policy pack, as `pulumi preview --policy-pack policies` runs it.

Only constructs the pack: the rules live in `mesh_policies`, importable on their own.
"""

from mesh_policies.pack import DEFAULT_LEVEL, PACK_NAME, POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name=PACK_NAME, policies=POLICIES, enforcement_level=DEFAULT_LEVEL)
