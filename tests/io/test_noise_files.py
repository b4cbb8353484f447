"""A mixture's noise component in every parameter format, the session and the
responsibilities CSV; malformed noise fields are refused with the field or line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.errors import InputError, ParameterError
from gmm_explorer.io import export as X
from gmm_explorer.io.csv_format import responsibilities_csv
from gmm_explorer.io.params import dumps_mixture, loads_mixture
from gmm_explorer.io.session_file import dumps_session, loads_session
from gmm_explorer.session import ModelSettings, Session


@pytest.fixture
def noisy(faithful):
    start = E.initialise(faithful, 2, "kmeans", seed=0, noise=0.05)
    return E.fit(faithful, settings=E.EMSettings(noise=0.05), init=start).mixture


def _same(a, b):
    assert a.equals(b) and b.has_noise


def test_every_parameter_format_keeps_the_noise(noisy):
    _same(noisy, loads_mixture(dumps_mixture(noisy)).mixture)
    _same(noisy, X.read_parameters_csv(X.parameters_csv(noisy)))
    _same(noisy, X.read_parameters_npz(X.parameters_npz(noisy)))
    assert json.loads(dumps_mixture(noisy))["noise"] == {
        "weight": noisy.noise_weight, "density": noisy.noise_density}
    assert "# noise: weight=" in X.parameters_csv(noisy)


def test_a_session_keeps_the_noise(noisy, faithful):
    s = Session()
    s.load(faithful)
    s.set_settings(ModelSettings(k=2, noise=0.05))
    assert s.record(next(E.iterate(faithful, noisy, s.settings.em_settings())), "M",
                    s.model_version)
    back = Session.from_record(loads_session(dumps_session(s.to_record())))
    _same(noisy, back.current.mixture)
    assert back.settings.noise == 0.05


def test_the_responsibilities_csv_has_the_noise_column(noisy, faithful):
    resp = E.predict_proba(faithful, noisy)
    r0 = E.noise_responsibility(faithful, noisy)
    np.testing.assert_allclose(resp.sum(axis=1) + r0, 1.0, rtol=1e-12)
    lines = responsibilities_csv(faithful, resp, r0).splitlines()
    assert lines[0] == "x,y,label,p_1,p_2,p_noise"
    labels = np.array([int(line.split(",")[2]) for line in lines[1:]])
    np.testing.assert_array_equal(labels == 0, r0 > resp.max(axis=1))


@pytest.mark.parametrize("noise, field", [
    ({"weight": 0.1}, "noise.density"),
    ({"weight": "x", "density": 1.0}, "noise.weight"),
    ({"weight": 1.2, "density": 1.0}, "noise.weight"),
    ({"weight": 0.1, "density": -1.0}, "noise.density"),
    ([0.1, 1.0], "noise"),
])
def test_a_malformed_noise_object_names_its_field(noisy, noise, field):
    doc = json.loads(dumps_mixture(noisy))
    doc["noise"] = noise
    with pytest.raises(ParameterError) as info:
        loads_mixture(json.dumps(doc))
    assert info.value.field == field


def test_weights_that_ignore_the_noise_are_refused(noisy):
    doc = json.loads(dumps_mixture(noisy))
    doc["weights"] = [0.5, 0.5]
    with pytest.raises(ParameterError, match="not 1 - the noise weight"):
        loads_mixture(json.dumps(doc))


@pytest.mark.parametrize("line", ["# noise: weight=abc, density=1.0",
                                  "# noise: weight=0.1, density=inf"])
def test_a_malformed_noise_comment_in_the_csv_names_its_line(noisy, line):
    text = X.parameters_csv(noisy).splitlines()
    text[1] = line
    with pytest.raises(InputError) as info:
        X.read_parameters_csv("\n".join(text) + "\n")
    assert "line 2" in str(info.value)


def test_a_noise_array_of_the_wrong_shape_in_the_npz_is_refused(noisy):
    import io

    with np.load(io.BytesIO(X.parameters_npz(noisy))) as a:
        arrays = dict(a)
    arrays["noise_weight"] = np.array([0.1, 0.2])
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with pytest.raises(ParameterError) as info:
        X.read_parameters_npz(buf.getvalue())
    assert info.value.field == "noise_weight"


def test_the_scikit_learn_snippet_says_it_leaves_the_noise_out(noisy, faithful):
    from sklearn.mixture import GaussianMixture

    from gmm_explorer.io.sklearn_export import sklearn_snippet

    code = sklearn_snippet(noisy)
    assert "noise component" in code and "left out" in code
    scope: dict = {}
    exec(code, scope)  # the snippet runs and builds a valid estimator
    gm = scope["gm"]
    assert isinstance(gm, GaussianMixture)
    np.testing.assert_allclose(np.sum(gm.weights_init), 1.0, rtol=1e-12)
