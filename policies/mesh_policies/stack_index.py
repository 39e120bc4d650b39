"""An index over all resources of a stack, for the policies that relate them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from mesh_policies.common import (
    DATAPLEX_PRODUCT,
    DATASET,
    DATASET_ACCESS,
    PRODUCT,
    ROW_ACCESS,
    TABLE,
    TABLE_IAM,
    TOPIC,
    authorized_source,
    dataset_key,
    is_iam_grant,
    is_service_agent,
    labels_of,
    members_of,
    roles_of,
    table_key,
)
from mesh_policies.conventions import LABEL_PRODUCT, is_identity_of

UNKNOWN_MEMBER = "(known after deployment)"


class Undecided(UnknownValueError):
    """Raised at the end of a policy that decided everything else: the analyzer reports
    it as advisory, after the violations the policy found."""

    def __init__(self, message: str) -> None:
        # The SDK's sentinel of an unknown string: the analyzer names the unknown's type
        # from it (any other value makes the SDK itself fail, ending the preview).
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.message = message


@dataclass(frozen=True)
class Grant:
    """One principal granted one role on one target."""

    resource: PolicyResource
    member: str
    role: str
    target_kind: str  # table | dataset | topic | subscription | other | project
    target: tuple[str, ...]  # e.g. (project, dataset, table)
    authorized_view: Mapping[str, Any] | None = None


def _last(path: Any) -> str:
    return str(path or "").rsplit("/", 1)[-1]


_LAST: tuple[list[PolicyResource], StackIndex] | None = None  # see StackIndex.of


@dataclass
class StackIndex:
    resources: list[PolicyResource]
    datasets: dict[tuple[str, str], PolicyResource] = field(default_factory=dict)
    tables: dict[tuple[str, str, str], PolicyResource] = field(default_factory=dict)
    topics: dict[str, PolicyResource] = field(default_factory=dict)
    owners: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    products: set[str] = field(default_factory=set)  # the data products of the stack
    _undecided: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, resources: list[PolicyResource]) -> StackIndex:
        """The index of a stack, built once per evaluation: the stack policies of one
        evaluation are handed the same list, so the first builds it and the others
        reuse it (each with its own undecided grants)."""
        global _LAST
        if _LAST is None or _LAST[0] is not resources:
            _LAST = (resources, cls.build(list(resources)))
        return replace(_LAST[1], _undecided=[])

    @classmethod
    def build(cls, resources: list[PolicyResource]) -> StackIndex:
        index = cls(resources)
        for r in resources:
            p = r.props
            if r.resource_type == DATASET:
                index.datasets[dataset_key(p)] = r
            elif r.resource_type == TABLE:
                key = table_key(p)
                index.tables[key] = r
            elif r.resource_type == TOPIC:
                index.topics[str(p.get("name"))] = r
            elif r.resource_type == PRODUCT:
                index.products.add(r.name)
            elif r.resource_type == DATAPLEX_PRODUCT:
                product = labels_of(p).get(LABEL_PRODUCT) or str(p.get("dataProductId"))
                index.owners[product].update(f"group:{e}" for e in p.get("ownerEmails") or [])
        return index

    def product_of(self, resource: PolicyResource | None) -> str | None:
        """The data product a resource belongs to (its DataProduct ancestor)."""
        while resource is not None:
            if resource.resource_type == PRODUCT:
                return resource.name
            resource = resource.parent
        return None

    def ancestor(self, resource: PolicyResource | None, type_token: str) -> PolicyResource | None:
        while resource is not None:
            if resource.resource_type == type_token:
                return resource
            resource = resource.parent
        return None

    def dataset_owner(self, project: str, dataset: str) -> str | None:
        found = self.datasets.get((project, dataset))
        return labels_of(found.props).get(LABEL_PRODUCT) if found is not None else None

    def table(self, project: str, dataset: str, table: str) -> PolicyResource | None:
        return self.tables.get((project, dataset, table))

    def is_insider(self, member: str, product: str | None) -> bool:
        """The product's own identity or owner group, or a Google service agent."""
        if is_service_agent(member):
            return True
        if product is None:
            return False
        return is_identity_of(member, product) or member in self.owners.get(product, ())

    def grants(self) -> Iterator[Grant]:
        """Every grant of the stack. A grant whose principals are unknown until deployment
        (a preview of its creation) yields one Grant with member UNKNOWN_MEMBER; a policy
        that needs the member calls `undecided(grant)` and `finish()` at its end."""
        for r in self.resources:
            try:
                found = list(self._grants_of(r))
            except UnknownValueError:
                found = self._unknown_grants_of(r)
            yield from found

    def _grants_of(self, r: PolicyResource) -> Iterator[Grant]:
        t, p = r.resource_type, r.props
        if t == TABLE_IAM:
            target = table_key(p)
            for m in members_of(t, p):
                yield Grant(r, m, str(p.get("role")), "table", target)
        elif t == DATASET_ACCESS:
            target = dataset_key(p)
            if p.get("view"):
                view = p.get("view")
                yield Grant(r, "view", "READER", "dataset", target, view)
            for m in members_of(t, p):
                yield Grant(r, m, str(p.get("role", "")), "dataset", target)
            source = authorized_source(p)
            if source is not None:  # reads all of the dataset, as a reader would
                yield Grant(r, source.replace(" ", ":", 1), "READER", "dataset", target)
        elif t == ROW_ACCESS:
            target = table_key(p)
            for m in members_of(t, p):
                yield Grant(r, m, f"ROW:{p.get('filterPredicate')}", "rows", target)
        elif is_iam_grant(t):
            kind, target = self._iam_target(t, p)
            for m in members_of(t, p):
                for role in roles_of(p):
                    yield Grant(r, m, role, kind, target)

    def _unknown_grants_of(self, r: PolicyResource) -> list[Grant]:
        """The grant as far as it is known: its role and target, the member unknown (each
        property read on its own: one unknown value hides no other)."""
        t, p = r.resource_type, r.props

        def known(key: str) -> str:
            try:
                return str(p.get(key, "") or "")
            except UnknownValueError:
                return UNKNOWN_MEMBER

        if t in (TABLE_IAM, ROW_ACCESS):
            target = (known("project"), known("datasetId"), known("tableId"))
            role = known("role") if t == TABLE_IAM else f"ROW:{known('filterPredicate')}"
            return [Grant(r, UNKNOWN_MEMBER, role, "table" if t == TABLE_IAM else "rows", target)]
        if t == DATASET_ACCESS:
            target2 = (known("project"), known("datasetId"))
            return [Grant(r, UNKNOWN_MEMBER, known("role"), "dataset", target2)]
        try:
            if is_iam_grant(t):
                kind, target3 = self._iam_target(t, p)
                return [Grant(r, UNKNOWN_MEMBER, known("role"), kind, target3)]
        except UnknownValueError:
            pass
        return [Grant(r, UNKNOWN_MEMBER, UNKNOWN_MEMBER, "other", ())]

    def undecided(self, grant: Grant) -> None:
        self._undecided.append(grant.resource.name)

    def finish(self) -> None:
        """After a policy decided all it could: say which resources it could not."""
        if self._undecided:
            names = ", ".join(sorted(set(self._undecided)))
            self._undecided.clear()
            raise Undecided(f"principals of {names} are known only after deployment")

    @staticmethod
    def _iam_target(t: str, p: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
        if "topic" in p:
            return "topic", (_last(p.get("topic")),)
        if "subscription" in p:
            return "subscription", (_last(p.get("subscription")),)
        if "bucket" in p:
            return "bucket", (_last(p.get("bucket")),)
        if "repository" in p:
            return "repository", (_last(p.get("repository")),)
        if "connectionId" in p:
            return "connection", (_last(p.get("connectionId")),)
        if "serviceAccountId" in p:
            return "serviceAccount", (_last(p.get("serviceAccountId")),)
        if t.startswith("gcp:projects/"):
            return "project", (str(p.get("project", "")),)
        return "other", ()
