"""The HTTP API: what it returns for good input, and a 4xx naming the field for bad input."""

from __future__ import annotations

import asyncio
import copy
import tomllib

import httpx2
import numpy as np
import pytest

import neuroimmune as ni
from neuroimmune.observables import OBSERVABLE_NAMES
from neuroimmune.scenarios import builtin_scenarios, scenario_from_dict
from neuroimmune.web import WebLimits, create_app
from neuroimmune.web.axis import LINKS, NODES

from .conftest import LPS_SCENARIO, FakeEngine


def scenario(**changes) -> dict:
    data = copy.deepcopy(LPS_SCENARIO)
    data.update(changes)
    return data


def lps(**changes) -> dict:
    item = {**LPS_SCENARIO["intervention"][0], **changes}
    return scenario(intervention=[item])


def fields(response) -> list[str]:
    return [item["field"] for item in response.json()["detail"]]


# --- good input -----------------------------------------------------------------------------


def test_simulate_matches_the_python_api(client):
    response = client.post("/api/simulate", json={"scenario": LPS_SCENARIO})
    assert response.status_code == 200
    data = response.json()
    expected = ni.simulate(scenario_from_dict(LPS_SCENARIO))
    assert data["time_h"] == pytest.approx(expected.time_h.tolist())
    series = {item["name"]: item for item in data["observables"]}
    assert list(series) == list(OBSERVABLE_NAMES)
    assert series["TNF_pg_mL"]["unit"] == "pg/mL"
    assert series["cortisol_nmol_L"]["group"] == "HPA axis"
    for name in OBSERVABLE_NAMES:
        # another engine instance, with its own solver history: agreement to ~10x rtol
        np.testing.assert_allclose(series[name]["values"], expected[name], rtol=1e-4, atol=1e-9)
    assert data["interventions"] == [{"agent": "lps", "start_h": 0.0, "end_h": None}]


def test_simulate_by_builtin_name_with_overrides_and_a_selection(client):
    body = {"scenario": "lps_2ngkg", "observables": ["hamd", "cortisol_nmol_L"]}
    calm = client.post("/api/simulate", json=body).json()
    stressed = client.post("/api/simulate", json={**body, "overrides": {"baseline_stress": 0.5}})
    assert stressed.status_code == 200
    assert [item["name"] for item in calm["observables"]] == ["cortisol_nmol_L", "hamd"]
    assert stressed.json()["overrides"] == {"baseline_stress": 0.5}
    assert max(stressed.json()["observables"][0]["values"]) > max(calm["observables"][0]["values"])


def test_repeated_request_is_served_from_the_cache(client):
    body = {"scenario": lps(amount=1.5)}
    first = client.post("/api/simulate", json=body).json()
    second = client.post("/api/simulate", json=body).json()
    assert (first["cached"], second["cached"]) == (False, True)
    assert first["observables"] == second["observables"]


def test_axis_shows_the_lps_response_against_rest(client):
    response = client.post("/api/axis", json={"scenario": LPS_SCENARIO, "time_h": 2.0})
    assert response.status_code == 200
    data = response.json()
    assert data["clock_h"] == pytest.approx(10.0)
    nodes = {node["id"]: node for node in data["nodes"]}
    links = {link["id"]: link for link in data["links"]}
    assert len(nodes) == len(NODES) and len(links) == len(LINKS)
    assert nodes["tnf"]["activity"] > 3          # more than 8-fold
    assert nodes["vagal_afferent"]["activity"] > 2
    assert links["tnf->vagal_afferent"]["activity"] > 2
    assert abs(nodes["commensals"]["activity"]) < 0.1  # the gut barely notices in 2 h
    assert all(-6 <= item["activity"] <= 6 for item in [*data["nodes"], *data["links"]])


def test_axis_of_a_patient_at_rest_is_at_rest(client):
    body = {"scenario": scenario(intervention=[], patient={"baseline_stress": 0.4}),
            "time_h": 13.0}
    healthy = {n["id"]: n["activity"] for n in
               client.post("/api/axis", json=body).json()["nodes"]}
    own = client.post("/api/axis", json={**body, "reference": "patient"}).json()
    assert healthy["stress"] > 2 and healthy["cortisol"] > 0.1
    assert max(abs(node["activity"]) for node in own["nodes"]) < 0.02


def test_catalogue_endpoints(client):
    listed = client.get("/api/scenarios").json()
    assert [entry["name"] for entry in listed] == list(builtin_scenarios())
    detail = client.get("/api/scenarios/vns_lps").json()
    assert detail["scenario"]["clock_start_h"] == 7
    assert tomllib.loads(detail["toml"])["name"] == detail["scenario"]["name"]
    parameters = client.get("/api/parameters").json()
    by_name = {p["name"]: p for p in parameters["parameters"]}
    assert "baseline_stress" in parameters["patient"]
    assert (by_name["microbiome_health"]["low"], by_name["microbiome_health"]["high"]) == (0.2, 1.0)
    assert [o["name"] for o in client.get("/api/observables").json()] == list(OBSERVABLE_NAMES)
    agents = {a["name"]: a for a in client.get("/api/agents").json()}
    assert agents["vns"]["kind"] == "exposure" and "mg/kg" in agents["infliximab"]["units"]


def test_exports(client):
    body = {"scenario": LPS_SCENARIO, "overrides": {"baseline_stress": 0.2},
            "observables": ["TNF_pg_mL", "hamd"]}
    csv = client.post("/api/export/csv", json=body)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert 'filename="Endotoxin_challenge_2_ng_kg.csv"' in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    assert lines[0] == "time_h,TNF_pg_mL,hamd" and len(lines) == 242
    toml = client.post("/api/export/toml", json=body)
    assert toml.status_code == 200
    exported = scenario_from_dict(tomllib.loads(toml.text))
    assert exported.patient == {"baseline_stress": 0.2}
    assert exported.interventions == scenario_from_dict(LPS_SCENARIO).interventions
    sbml = client.get("/api/model.sbml", params={"baseline_stress": 0.2, "clock_start_h": 9})
    assert sbml.status_code == 200 and "<sbml" in sbml.text[:500]
    assert sbml.headers["content-type"].startswith("application/xml")


def test_import_toml(client):
    text = 'name = "mine"\nduration_h = 48\n\n[[intervention]]\nagent = "vns"\nfrom_h = 1\n' \
           'to_h = 3\nintensity = 0.5\n'
    response = client.post("/api/import/toml", json={"toml": text})
    assert response.status_code == 200
    assert response.json()["scenario"]["intervention"][0] == {
        "agent": "vns", "from_h": 1.0, "to_h": 3.0, "intensity": 0.5}


def test_page_docs_and_static_files_are_local(client):
    page = client.get("/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/api/simulate", "/api/axis", "/api/export/csv", "/api/model.sbml"} <= set(schema["paths"])


# --- bad input: every kind gets a 4xx, never a 500 ---------------------------------------------

BAD_SIMULATE_BODIES = {
    "wrong type of a number": ({"scenario": scenario(duration_h="24")}, "scenario.duration_h"),
    "wrong type of the scenario": ({"scenario": 42}, "scenario"),
    "wrong type of an override": ({"scenario": LPS_SCENARIO, "overrides": {"baseline_stress": "high"}},
                                  "overrides.baseline_stress"),
    "boolean as a number": ({"scenario": lps(amount=True)}, "scenario.intervention[0].amount"),
    "unknown agent": ({"scenario": lps(agent="aspirin")}, "scenario.intervention[0].agent"),
    "negative dose": ({"scenario": lps(amount=-2.0)}, "scenario.intervention[0].amount"),
    "unknown unit": ({"scenario": lps(unit="mg")}, "scenario.intervention[0].unit"),
    "duration over the web cap": ({"scenario": scenario(duration_h=3000)}, "scenario.duration_h"),
    "duration over the linter's year": ({"scenario": scenario(duration_h=1e6)}, "scenario.duration_h"),
    "huge output": ({"scenario": scenario(output_step_h=0.001)}, "scenario.output_step_h"),
    "unknown override parameter": ({"scenario": LPS_SCENARIO, "overrides": {"stresss": 0.1}},
                                   "overrides.stresss"),
    "unknown patient parameter": ({"scenario": scenario(patient={"age": 40})}, "scenario.patient.age"),
    "out-of-range slider value": ({"scenario": LPS_SCENARIO, "overrides": {"baseline_stress": 1.5}},
                                  "overrides.baseline_stress"),
    "out-of-range patient value": ({"scenario": scenario(patient={"microbiome_health": 0.1})},
                                   "scenario.patient.microbiome_health"),
    "missing scenario": ({}, "scenario"),
    "missing duration": ({"scenario": {"name": "x"}}, "scenario.duration_h"),
    "missing dose time": ({"scenario": scenario(intervention=[{"agent": "lps", "amount": 1,
                                                               "unit": "ng/kg"}])},
                          "scenario.intervention[0]"),
    "unknown scenario name": ({"scenario": "lps_2ngk"}, "scenario"),
    "unknown request key": ({"scenario": LPS_SCENARIO, "overide": {}}, "overide"),
    "unknown scenario key": ({"scenario": scenario(duraton_h=24)}, "scenario.duraton_h"),
    "unknown observable": ({"scenario": LPS_SCENARIO, "observables": ["TNF"]}, "observables[0]"),
    "overlapping windows": ({"scenario": scenario(intervention=[
        {"agent": "vns", "from_h": 0, "to_h": 6, "intensity": 1.0},
        {"agent": "vns", "from_h": 5, "to_h": 8, "intensity": 0.5}])}, "scenario.intervention[1]"),
    "repeats that overflow": ({"scenario": lps(every_h=1e-300, until_h=1e300)},
                              "scenario.intervention[0].every_h"),
    "too many administrations": ({"scenario": lps(every_h=0.01, until_h=24)},
                                 "scenario.intervention[0].every_h"),
    "too many interventions": ({"scenario": scenario(intervention=[LPS_SCENARIO["intervention"][0]] * 51)},
                               "scenario.intervention"),
    "clock outside the day": ({"scenario": scenario(clock_start_h=25)}, "scenario.clock_start_h"),
    "time after the end": ({"scenario": lps(at_h=30)}, "scenario.intervention[0].at_h"),
    "scenario not an object": ({"scenario": ["lps"]}, "scenario"),
}


@pytest.mark.parametrize("body, field", list(BAD_SIMULATE_BODIES.values()),
                         ids=list(BAD_SIMULATE_BODIES))
def test_bad_simulate_requests_get_422_naming_the_field(client, body, field):
    response = client.post("/api/simulate", json=body)
    assert response.status_code == 422, response.text
    assert field in fields(response), response.json()
    assert all(item["msg"] for item in response.json()["detail"])


@pytest.mark.parametrize("text, field", [
    ('{"scenario": {"name": "x", "duration_h": NaN}}', "scenario.duration_h"),
    ('{"scenario": {"name": "x", "duration_h": Infinity}}', "scenario.duration_h"),
    ('{"scenario": {"name": "x", "duration_h": 1e400}}', "scenario.duration_h"),
    ('{"scenario": "lps_2ngkg", "overrides": {"baseline_stress": NaN}}', "overrides.baseline_stress"),
    ('{"scenario": "lps_2ngkg", "overrides": {"baseline_stress": -Infinity}}',
     "overrides.baseline_stress"),
], ids=["nan", "infinity", "overflow", "nan override", "minus infinity override"])
def test_nan_and_infinite_numbers_are_refused(client, text, field):
    response = client.post("/api/simulate", content=text,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert field in fields(response)


@pytest.mark.parametrize("content, headers, status", [
    (b'{"scenario": ', {"content-type": "application/json"}, 422),
    (b"[1, 2]", {"content-type": "application/json"}, 422),
    (b"[" * 20000 + b"]" * 20000, {"content-type": "application/json"}, 400),
    (b'{"scenario": "lps_2ngkg"}', {"content-type": "text/plain"}, 415),
    (b'{"scenario": "lps_2ngkg"}', {"content-type": "application/x-www-form-urlencoded"}, 415),
    (b'{"scenario": "lps_2ngkg"}', {}, 415),
    (b"x" * (64 * 1024 + 1), {"content-type": "application/json"}, 413),
], ids=["malformed JSON", "not an object", "deeply nested", "text/plain", "form",
        "no content type", "too large"])
def test_malformed_bodies(client, content, headers, status):
    response = client.post("/api/simulate", content=content, headers=headers)
    assert response.status_code == status, response.text
    assert "detail" in response.json()


def test_body_too_large_while_streaming(client):
    def chunks():
        for _ in range(80):
            yield b" " * 1024  # no Content-Length: the guard counts what arrives

    response = client.post("/api/simulate", content=chunks(),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_lying_content_length_is_refused(client):
    response = client.post("/api/simulate", content=b"{}",
                           headers={"content-type": "application/json", "content-length": "abc"})
    assert response.status_code == 400


@pytest.mark.parametrize("method, path, kwargs, status, field", [
    ("get", "/api/scenarios/nope", {}, 404, None),
    ("get", "/api/scenarios/..%2F..%2Fpyproject", {}, 404, None),
    ("get", "/static/../app.py", {}, 404, None),
    ("post", "/api/export/xlsx", {"json": {"scenario": "lps_2ngkg"}}, 422, "format"),
    ("post", "/api/export/csv", {"json": {"scenario": "lps_2ngkg", "observables": []}}, 422,
     "observables"),
    ("post", "/api/axis", {"json": {"scenario": "lps_2ngkg", "time_h": 25}}, 422, "time_h"),
    ("post", "/api/axis", {"json": {"scenario": "lps_2ngkg", "time_h": 2, "reference": "x"}}, 422,
     "reference"),
    ("post", "/api/axis", {"json": {"scenario": "lps_2ngkg"}}, 422, "time_h"),
    ("get", "/api/model.sbml?baseline_stress=abc", {}, 422, "query.baseline_stress"),
    ("get", "/api/model.sbml?baseline_stress=nan", {}, 422, "query.baseline_stress"),
    ("get", "/api/model.sbml?no_such=1", {}, 422, "query.no_such"),
    ("get", "/api/model.sbml?baseline_stress=3", {}, 422, "query.baseline_stress"),
    ("get", "/api/model.sbml?clock_start_h=99", {}, 422, "query.clock_start_h"),
    ("post", "/api/import/toml", {"json": {"toml": "name = \"x\"\nduration_h = = 2"}}, 422,
     "toml"),
    ("post", "/api/import/toml", {"json": {"toml": "name = \"x\"\nduration_h = 1999-01-01"}}, 422,
     "toml.duration_h"),
    ("post", "/api/import/toml", {"json": {"toml": 42}}, 422, "toml"),
    ("delete", "/api/simulate", {}, 405, None),
], ids=["unknown scenario", "path in scenario name", "path out of static", "bad export format",
        "empty observables", "axis time after the end", "bad reference", "axis without time",
        "sbml not a number", "sbml nan", "sbml unknown parameter", "sbml out of range",
        "sbml clock", "toml syntax", "toml date as number", "toml not text", "wrong method"])
def test_other_bad_requests(client, method, path, kwargs, status, field):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status, response.text
    if field:
        assert field in fields(response)


def test_host_header_is_checked_when_bound_to_loopback():
    from fastapi.testclient import TestClient

    app = create_app(WebLimits(workers=1), allowed_hosts=["127.0.0.1", "localhost"],
                     warm_up=False)
    with TestClient(app, base_url="http://evil.example") as outside:
        assert outside.get("/api/health").status_code == 400
    with TestClient(app, base_url="http://127.0.0.1:8050") as local:
        assert local.get("/api/health").status_code == 200


# --- limits on work ---------------------------------------------------------------------------


def post_concurrently(app, bodies: list[dict]) -> list[httpx2.Response]:
    async def run() -> list[httpx2.Response]:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            return await asyncio.gather(*(c.post("/api/simulate", json=b) for b in bodies))

    try:
        return asyncio.run(run())
    finally:
        app.state.service.close()


def test_simulation_past_the_time_limit_gets_504():
    app = create_app(WebLimits(workers=1, time_limit_s=0.2),
                     engine_factory=lambda: FakeEngine(delay_s=0.6), warm_up=False)
    (response,) = post_concurrently(app, [{"scenario": LPS_SCENARIO}])
    assert response.status_code == 504
    assert "time limit" in response.json()["detail"]


def test_full_queue_gets_503_with_retry_after():
    app = create_app(WebLimits(workers=1, max_pending=1),
                     engine_factory=lambda: FakeEngine(delay_s=0.3), warm_up=False)
    responses = post_concurrently(app, [{"scenario": lps(amount=a)} for a in (1.0, 1.1, 1.2)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 503, 503]
    busy = next(r for r in responses if r.status_code == 503)
    assert busy.headers["retry-after"] == "5"


def test_identical_requests_in_flight_share_one_run():
    engines: list[FakeEngine] = []
    calls = []

    class Counting(FakeEngine):
        def simulate(self, *args, **kwargs):
            calls.append(1)
            return super().simulate(*args, **kwargs)

    def factory():
        engines.append(Counting(delay_s=0.2))
        return engines[-1]

    app = create_app(WebLimits(workers=2), engine_factory=factory, warm_up=False)
    responses = post_concurrently(app, [{"scenario": LPS_SCENARIO}] * 5)
    assert [r.status_code for r in responses] == [200] * 5
    assert len(calls) == 1


def test_solver_failure_is_reported_as_the_scenario_s_problem():
    app = create_app(WebLimits(workers=1), engine_factory=lambda: FakeEngine(fail=True),
                     warm_up=False)
    (response,) = post_concurrently(app, [{"scenario": LPS_SCENARIO}])
    assert response.status_code == 422
    assert fields(response) == ["scenario"] and "solver failed" in response.json()["detail"][0]["msg"]
