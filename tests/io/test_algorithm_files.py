"""Sessions and parameter files keep the algorithm (EM, CEM, SEM, k-means) and each
state's objective; files without them are EM; bad values are refused with the field."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.errors import InputError, ParameterError
from gmm_explorer.io.params import FitRecord, dumps_mixture, loads_mixture
from gmm_explorer.io.session_file import dumps_session, loads_session
from gmm_explorer.session import ModelSettings, Session


@pytest.fixture
def cem_session(faithful):
    s = Session()
    s.load(faithful)
    s.set_settings(ModelSettings(k=2, algorithm="cem"))
    start = E.initialise(faithful, 2, "kmeans", seed=0)
    for r in E.iterate(faithful, start, s.settings.em_settings()):
        assert s.record(r, "M", s.model_version)
    return s


def test_a_session_round_trips_the_algorithm_and_objectives(cem_session):
    text = dumps_session(cem_session.to_record())
    doc = json.loads(text)
    assert doc["settings"]["algorithm"] == "cem"
    assert all(h["algorithm"] == "cem" and isinstance(h["objective"], float)
               for h in doc["history"])
    back = Session.from_record(loads_session(text))
    assert back.settings.algorithm == "cem"
    assert [r.objective for r in back.history] == [r.objective for r in cem_session.history]
    assert back.current.mean_objective == cem_session.current.mean_objective
    assert back.run_mean_log_likelihoods() == cem_session.run_mean_log_likelihoods()


def test_a_file_without_them_holds_an_em_run(cem_session):
    doc = json.loads(dumps_session(cem_session.to_record()))
    del doc["settings"]["algorithm"]
    for h in doc["history"]:
        del h["algorithm"], h["objective"]
    back = Session.from_record(loads_session(json.dumps(doc)))
    assert back.settings.algorithm == "em"
    assert all(r.algorithm == "em" and r.objective is None for r in back.history)


@pytest.mark.parametrize("where, value, error", [
    ("settings", "vb2", InputError),
    ("settings", 3, InputError),
    ("state", "gibbs", ParameterError),
    ("state", None, ParameterError),
    ("objective", "high", ParameterError),
    ("objective", [1.0], ParameterError),
    ("objective", float("inf"), InputError),  # JSON's Infinity: not a session file
])
def test_bad_algorithm_fields_are_refused(cem_session, where, value, error):
    doc = json.loads(dumps_session(cem_session.to_record()))
    if where == "settings":
        doc["settings"]["algorithm"] = value
    elif where == "state":
        doc["history"][1]["algorithm"] = value
    else:
        doc["history"][1]["objective"] = value
    text = json.dumps(doc)
    with pytest.raises(error) as info:
        Session.from_record(loads_session(text))
    if error is ParameterError:
        assert "history[1]" in str(info.value)


def test_the_parameters_file_records_the_algorithm(faithful):
    result = E.fit(faithful, 2, settings=E.EMSettings("EII", algorithm="kmeans"), seed=0)
    rec = FitRecord.from_step(result.final, init="kmeans", seed=0, tol=1e-3, reg_covar=1e-6,
                              max_iter=100)
    text = dumps_mixture(result.mixture, fit=rec)
    back = loads_mixture(text)
    assert back.fit["algorithm"] == "kmeans"
    np.testing.assert_array_equal(back.mixture.weights, [0.5, 0.5])


@pytest.fixture
def vb_session(faithful):
    s = Session()
    s.load(faithful)
    s.set_settings(ModelSettings(k=4, algorithm="vb", weight_prior="dirichlet_distribution"))
    start = E.initialise(faithful, 4, "kmeans", seed=0)
    settings = s.settings.em_settings()
    for r in E.iterate(faithful, start, replace(settings, max_iter=5)):
        assert s.record(r, "M", s.model_version)
    return s


def test_a_vb_session_keeps_the_posterior_so_a_resumed_run_goes_on_exactly(vb_session,
                                                                         faithful):
    text = dumps_session(vb_session.to_record())
    back = Session.from_record(loads_session(text))
    assert back.settings.weight_prior == "dirichlet_distribution"
    a, b = vb_session.current.mixture, back.current.mixture
    assert b.posterior is not None
    np.testing.assert_array_equal(a.posterior.weight_concentration,
                                  b.posterior.weight_concentration)
    assert b.posterior.lower_bound == a.posterior.lower_bound
    settings = back.settings.em_settings()
    on = [h.result for h in E.half_steps(faithful, a, settings, first_iteration=5)
          if h.phase == "M"][:3]
    resumed = [h.result for h in E.half_steps(faithful, b, settings, first_iteration=5)
               if h.phase == "M"][:3]
    for x, y in zip(on, resumed):
        np.testing.assert_array_equal(x.mixture.means, y.mixture.means)
        assert x.objective == y.objective


@pytest.mark.parametrize("field, value", [
    ("weight_concentration", [1.0, 2.0]),
    ("mean_precision", [1.0, -1.0, 1.0, 1.0]),
    ("degrees_of_freedom", [0.5, 3.0, 3.0, 3.0]),
    ("entropy", "lots"),
    ("prior", None),
])
def test_a_malformed_posterior_names_its_field(vb_session, field, value):
    doc = json.loads(dumps_session(vb_session.to_record()))
    doc["history"][2]["mixture"]["posterior"][field] = value
    with pytest.raises(ParameterError) as info:
        loads_session(json.dumps(doc))
    assert f"history[2].mixture.posterior.{field}" in str(info.value)


def test_a_session_keeps_the_prior_and_refuses_a_malformed_flag(faithful):
    s = Session()
    s.load(faithful)
    s.set_settings(ModelSettings(k=2, covariance_type="VEV", prior=True))
    start = E.initialise(faithful, 2, "kmeans", covariance_type="VEV", seed=0)
    for r in E.iterate(faithful, start, replace(s.settings.em_settings(), max_iter=3)):
        assert s.record(r, "M", s.model_version)
    doc = json.loads(dumps_session(s.to_record()))
    assert doc["settings"]["prior"] is True and all(h["prior"] for h in doc["history"])
    back = Session.from_record(loads_session(json.dumps(doc)))
    assert back.settings.prior and all(r.prior for r in back.history)
    assert back.run_mean_log_likelihoods() == s.run_mean_log_likelihoods()
    doc["history"][1]["prior"] = "yes"
    with pytest.raises(ParameterError, match=r"history\[1\]\.prior"):
        loads_session(json.dumps(doc))
    doc["history"][1]["prior"] = True
    doc["settings"]["prior"] = 1
    with pytest.raises(InputError, match="prior must be true or false"):
        Session.from_record(loads_session(json.dumps(doc)))
