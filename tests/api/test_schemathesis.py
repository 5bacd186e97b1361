"""A bounded schemathesis run against the real server's OpenAPI: thousands of generated
requests, valid and not, to every operation, and not one server error (5xx).

The server runs with small run limits so that nothing it is asked to do gets heavy: runs use
``false`` as their interpreter (they fail at once instead of training), two may queue, and each
request's CPU work has a short budget. A 503 for that budget would count as a server error, and
is meant to: no generated request should come near it.

TORCHCANVAS_SCHEMATHESIS_EXAMPLES sets the examples per operation and mode (valid and invalid
input; default 40: about 2,500 requests in all). The operations are split into SHARDS tests, so
that pytest-xdist spreads them over its workers (each worker has its own server).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.errors import InvalidSchema

from tests.api.api_support import PASSWORD
from tests.live_server import LiveServer

EXAMPLES = int(os.environ.get("TORCHCANVAS_SCHEMATHESIS_EXAMPLES", "40"))
SHARDS = 4
SMALL_LIMITS = {
    "TORCHCANVAS_RUN_PYTHON": shutil.which("false") or "/bin/false",
    "TORCHCANVAS_RUN_WARM_START": "false",
    "TORCHCANVAS_MAX_QUEUED_RUNS": "2",
    "TORCHCANVAS_RUN_TIME_LIMIT_S": "5",
    "TORCHCANVAS_LIMITS__REQUEST_TIME_BUDGET_S": "10",
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("schemathesis") / "data", env=SMALL_LIMITS) as server:
        yield server


@pytest.fixture(scope="module")
def signed_in(live: LiveServer) -> dict[str, str]:
    """Headers of a signed-in script (a personal API token): the owned routes are fuzzed past
    their 401. The third token: generated ids for DELETE /auth/tokens/{id} favour 1 and the
    bounds, and a revoked token would leave the rest of the fuzzing at 401."""
    api = live.api
    r = api.post("auth/signup", json={"username": "fuzzer", "password": PASSWORD})
    assert r.status_code == 201, r.text
    api.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    tokens = [api.post("auth/tokens", json={"name": f"fuzz {i}"}).json()["token"] for i in range(3)]
    return {"Authorization": f"Bearer {tokens[-1]}"}


def _fuzz(
    operation: schemathesis.APIOperation, mode: GenerationMode, live: LiveServer, headers: dict[str, str]
) -> tuple[int, list[str]]:
    """Send ``EXAMPLES`` generated requests to one operation; how many, and the 5xx among them."""
    sent, errors = 0, []

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same requests on every run: a failure reproduces
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: we collect, not raise
    )
    def send(case: schemathesis.Case) -> None:
        nonlocal sent
        response = case.call(base_url=live.url, timeout=60, headers=headers)
        sent += 1
        if response.status_code >= 500:
            errors.append(f"{response.status_code} {case.method} {response.request.url} {response.text[:200]}")

    # Some operations have no invalid input (no parameters), or a schema schemathesis cannot
    # generate for in one mode: those are its limits, not the server's errors.
    with contextlib.suppress(Unsatisfiable, InvalidSchema):
        send()
    return sent, errors


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_request_is_a_server_error(live: LiveServer, signed_in: dict[str, str], shard: int) -> None:
    schema = schemathesis.openapi.from_url(f"{live.url}/api/v1/openapi.json")
    everything = [result.ok() for result in schema.get_all_operations()]
    assert len(everything) > 30  # the whole API, not an empty schema
    operations = everything[shard::SHARDS]
    total, errors = 0, []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            sent, found = _fuzz(operation, mode, live, signed_in)
            total += sent
            errors += [f"{operation.label} ({mode.value}): {e}" for e in found]
    print(f"schemathesis: {total} requests to {len(operations)} operations")
    assert total >= len(operations) * EXAMPLES  # generated requests really went out
    assert not errors, "\n".join(errors[:30]) + "\n" + live.log_tail()
