"""The pack governs the project baseline like the rest: no API the stack does not use,
none turned off on destroy, the key only to Google service agents as encrypter/
decrypter, no basic role, and CMEK on image repositories where it is required."""

from __future__ import annotations

from typing import Any

from pulumi_policy import Policy

from tests.policies.harness import Res, run_policy
from tools.plan.pack_loader import LoadedPack

KEY = "projects/example-security/locations/europe-west1/keyRings/data-mesh/cryptoKeys/iot"
AGENT = "serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com"
SERVICE = "gcp:projects/service:Service"
GRANT = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"


def _policy(pack: LoadedPack, name: str) -> Policy:
    return next(p for p in pack.policies if p.name == name)


def _service(api: str, **props: Any) -> Res:
    inputs = {"service": api, "disableOnDestroy": False, **props}
    return Res(SERVICE, f"baseline-{api.split('.')[0]}", inputs, parents=())


def _topic() -> Res:
    return Res("gcp:pubsub/topic:Topic", "events", {"name": "events", "kmsKeyName": KEY})


def test_an_api_no_resource_uses_is_refused(pack: LoadedPack) -> None:
    baseline_apis = _policy(pack, "baseline-apis")
    used = [_topic(), _service("pubsub.googleapis.com")]
    assert run_policy(baseline_apis, used) == []
    extra = run_policy(baseline_apis, [*used, _service("sqladmin.googleapis.com")])
    assert len(extra) == 1
    assert "enables sqladmin.googleapis.com, which no resource of the stack uses" in extra[0]


def test_an_api_turned_off_on_destroy_is_refused(pack: LoadedPack) -> None:
    baseline_apis = _policy(pack, "baseline-apis")
    found = run_policy(
        baseline_apis, [_topic(), _service("pubsub.googleapis.com", disableOnDestroy=True)]
    )
    assert len(found) == 1
    assert "disable_on_destroy=False" in found[0]


def _grant(
    member: str = AGENT, role: str = "roles/cloudkms.cryptoKeyEncrypterDecrypter", key: str = KEY
) -> Res:
    return Res(
        GRANT,
        "baseline-pubsub-agent-key",
        {"cryptoKeyId": key, "role": role, "member": member},
        parents=(),
    )


def test_the_key_goes_to_service_agents_only(pack: LoadedPack) -> None:
    key_grants = _policy(pack, "key-grants")
    assert run_policy(key_grants, [_topic(), _grant()]) == []
    person = run_policy(key_grants, [_topic(), _grant("user:mallory@example.com")])
    assert len(person) == 1
    assert "not a Google service agent" in person[0]
    identity = run_policy(
        key_grants,
        [_topic(), _grant("serviceAccount:dp-x@example-iot-prod.iam.gserviceaccount.com")],
    )
    assert len(identity) == 1
    lookalike = run_policy(
        key_grants, [_topic(), _grant("serviceAccount:evil@gcp-sa-pubsub.iam.gserviceaccount.com")]
    )
    assert len(lookalike) == 1


def test_the_key_grant_is_encrypter_decrypter_on_the_stacks_key(pack: LoadedPack) -> None:
    key_grants = _policy(pack, "key-grants")
    admin = run_policy(key_grants, [_topic(), _grant(role="roles/cloudkms.admin")])
    assert len(admin) == 1
    assert "service agents get roles/cloudkms.cryptoKeyEncrypterDecrypter only" in admin[0]
    other = run_policy(key_grants, [_topic(), _grant(key=KEY + "-other")])
    assert len(other) == 1
    assert "a key no resource of the stack is encrypted with" in other[0]
    policy = Res(
        "gcp:kms/cryptoKeyIAMPolicy:CryptoKeyIAMPolicy",
        "key-policy",
        {"cryptoKeyId": KEY},
        parents=(),
    )
    assert len(run_policy(key_grants, [_topic(), policy])) == 1


def test_a_basic_role_on_the_key_is_refused(pack: LoadedPack) -> None:
    no_basic_roles = _policy(pack, "no-basic-roles")
    assert run_policy(no_basic_roles, [_grant(role="roles/owner")])


def test_an_image_repository_without_cmek_is_refused_where_required(pack: LoadedPack) -> None:
    cmek = _policy(pack, "cmek")
    repo = Res(
        "gcp:artifactregistry/repository:Repository",
        "images",
        {"repositoryId": "x-images", "format": "DOCKER"},
    )
    assert run_policy(cmek, [repo], {"required": True})
    keyed = Res(repo.type, repo.name, {**repo.props, "kmsKeyName": KEY})
    assert run_policy(cmek, [keyed], {"required": True}) == []
