"""Property-based tests of the REST app against its own OpenAPI document (schemathesis).

Left out on purpose: positive_data_acceptance (whether a schema-valid config is acceptable is the
herder's decision: a name, a connector class) and negative_data_rejection (Apache's API is lenient
by design: Jackson turns numbers and booleans into config strings, unknown `expand` values are
ignored). Every other check runs: no 500s, documented status codes, content types, headers and
response bodies, the Allow header of 405 answers.
"""

from __future__ import annotations

import json
import warnings

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from kcli.connect.rest import create_app
from tests.helpers import ROOT
from tests.unit.test_rest_app import FakeHerder

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    DOC = json.loads((ROOT / "kcli" / "connect" / "rest" / "openapi.json").read_text())

HERDER = FakeHerder()
APP = create_app(HERDER, {})
schema = schemathesis.openapi.from_dict(DOC)
schema.app = APP


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=[checks.positive_data_acceptance, checks.negative_data_rejection])
