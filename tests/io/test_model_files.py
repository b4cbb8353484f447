"""The fourteen covariance models in files: parameters files (version 2, still reading
version 1), session files, and the CSV/NPZ parameter exports."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine.models import MODEL_TYPES, mclust_code
from gmm_explorer.errors import InputError
from gmm_explorer.io import export as X
from gmm_explorer.io.params import dumps_mixture, loads_mixture
from gmm_explorer.io.session_file import dumps_session, loads_session
from gmm_explorer.session import ModelSettings, Session


@pytest.fixture(scope="module")
def faithful_fits():
    from gmm_explorer.io.loaders import load_points
    from tests.conftest import DATA

    pts = load_points(str(DATA / "faithful.csv")).points
    return pts, {t: E.fit(pts, 3, settings=E.EMSettings(t), seed=0).mixture
                 for t in MODEL_TYPES}


@pytest.mark.parametrize("model", MODEL_TYPES)
def test_every_model_round_trips_through_every_parameter_format(faithful_fits, model):
    _, fits = faithful_fits
    m = fits[model]
    doc = json.loads(dumps_mixture(m))
    assert doc["version"] == 2 and doc["covariance_type"] == model
    for back in (loads_mixture(dumps_mixture(m)).mixture,
                 X.read_parameters_csv(X.parameters_csv(m)),
                 X.read_parameters_npz(X.parameters_npz(m))):
        assert back.covariance_type == model
        np.testing.assert_array_equal(back.covariances, m.covariances)


def test_mclust_codes_are_read_as_the_models_and_version_1_knows_only_four(faithful_fits):
    _, fits = faithful_fits
    doc = json.loads(dumps_mixture(fits["VEV"]))
    doc["covariance_type"] = "vev"
    assert loads_mixture(json.dumps(doc)).mixture.covariance_type == "VEV"
    doc = json.loads(dumps_mixture(fits["full"]))
    doc["covariance_type"] = "VVV"
    assert loads_mixture(json.dumps(doc)).mixture.covariance_type == "full"
    doc["version"] = 1
    doc["covariance_type"] = "full"
    assert loads_mixture(json.dumps(doc)).mixture.covariance_type == "full"
    doc = json.loads(dumps_mixture(fits["VEV"]))
    doc["version"] = 1
    with pytest.raises(InputError, match="version 1"):
        loads_mixture(json.dumps(doc), "old.json")
    doc["version"] = 2
    doc["covariance_type"] = "XYZ"
    with pytest.raises(InputError, match="covariance_type"):
        loads_mixture(json.dumps(doc), "bad.json")


def test_a_file_whose_matrices_break_the_model_is_refused(faithful_fits):
    _, fits = faithful_fits
    doc = json.loads(dumps_mixture(fits["EEV"]))
    doc["covariances"][0][0][0] *= 2  # no longer the same eigenvalues as the others
    with pytest.raises(InputError, match="covariances"):
        loads_mixture(json.dumps(doc), "bad.json")


def test_sessions_keep_any_model_and_read_version_1(faithful_fits):
    pts, fits = faithful_fits
    s = Session()
    s.load(pts)
    s.set_settings(ModelSettings(k=3, covariance_type="VEE"))
    step = next(E.iterate(pts, fits["VEE"], E.EMSettings("VEE")))
    assert s.record(step, "M", s.model_version)
    text = dumps_session(s.to_record())
    assert json.loads(text)["version"] == 2
    back = Session.from_record(loads_session(text))
    assert back.settings.covariance_type == "VEE"
    assert back.current.mixture.covariance_type == "VEE"
    old = json.loads(text)
    old["version"] = 1
    assert loads_session(json.dumps(old)).settings["covariance_type"] == "VEE"
    assert ModelSettings(covariance_type="eev").covariance_type == "EEV"
    with pytest.raises(InputError):
        ModelSettings(covariance_type="EEX")


def test_the_model_codes():
    assert [mclust_code(m) for m in MODEL_TYPES] == [
        "EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "VEE", "EVE", "VVE", "EEV", "VEV",
        "EVV", "VVV"]
