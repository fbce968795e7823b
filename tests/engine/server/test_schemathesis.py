"""A bounded schemathesis run over the app's own OpenAPI document: cases generated for every
operation, valid and invalid, sent with an admin token so they get past auth; none may end in
a server error."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from engine.config.settings import ServerSettings
from engine.server import create_app
from tests.engine.services.helpers import PASSWORD, make_settings, make_world

EXAMPLES = 5  # per operation and mode: about 300 requests, seconds in-process
# This world has no device broker: these answer 503 Unavailable by design, not by a crash.
NEEDS_BROKER = {"/devices/{device_id}/commands", "/devices/{device_id}/config"}


def test_no_server_errors_on_generated_requests(tmp_path: Path) -> None:
    world = make_world(f"sqlite:///{tmp_path / 'sentinel.db'}", tmp_path)
    # No rate limit here: every generated request must reach its handler.
    app = create_app(
        world.services, make_settings(tmp_path, server=ServerSettings(rate_limit_per_s=0))
    )
    token = world.services.users.login("admin", PASSWORD).access_token
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    server_errors: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    try:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                def check(case: schemathesis.Case) -> None:
                    response = case.call(headers=headers)
                    no_broker = response.status_code == 503 and case.path in NEEDS_BROKER
                    if response.status_code >= 500 and not no_broker:
                        server_errors.append(
                            f"{case.method} {case.formatted_path} -> {response.status_code}: "
                            f"query={case.query} body={case.body!r:.200}"
                        )

                try:
                    check()
                except Unsatisfiable:  # nothing to make invalid (e.g. GET /health): no case
                    assert mode is GenerationMode.NEGATIVE
    finally:
        world.close()
    assert server_errors == []
