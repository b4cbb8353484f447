"""Ground truth against a fitted clustering, with scikit-learn's ``adjusted_rand_score`` as the
independent oracle (the engine's ARI is the Hubert-Arabie contingency formula, sklearn's the
pair-confusion matrix)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from gmm_explorer import engine as E
from gmm_explorer.engine.agreement import adjusted_rand_index, contingency, matched_confusion
from gmm_explorer.errors import InputError
from gmm_explorer.io.samples import load_sample


def labelings(alphabet):
    return st.integers(0, 120).flatmap(
        lambda n: st.tuples(st.lists(alphabet, min_size=n, max_size=n),
                            st.lists(alphabet, min_size=n, max_size=n)))


@settings(max_examples=300, deadline=None)
@given(labelings(st.integers(0, 6)))
def test_ari_matches_sklearn_on_random_integer_labelings(pair):
    truth, pred = pair
    assert adjusted_rand_index(truth, pred) == pytest.approx(adjusted_rand_score(truth, pred),
                                                             rel=1e-12, abs=1e-12)
    # As NumPy arrays too (the fast path), and symmetric.
    assert adjusted_rand_index(np.array(truth, dtype=np.int64), np.array(pred)) == \
        adjusted_rand_index(truth, pred)
    assert adjusted_rand_index(pred, truth) == pytest.approx(adjusted_rand_index(truth, pred),
                                                             rel=1e-12, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(labelings(st.sampled_from(["setosa", "versicolor", "virginica", "x"])), st.randoms())
def test_ari_matches_sklearn_on_string_labels_and_ignores_renaming(pair, rnd):
    truth, pred = pair
    ari = adjusted_rand_index(truth, pred)
    assert ari == pytest.approx(adjusted_rand_score(truth, pred), rel=1e-12, abs=1e-12)
    names = sorted(set(pred))
    renamed = dict(zip(names, rnd.sample(range(100), len(names))))
    assert adjusted_rand_index(truth, [renamed[p] for p in pred]) == ari


def test_ari_edge_cases():
    assert adjusted_rand_index([], []) == 1.0
    assert adjusted_rand_index(["a"], [3]) == 1.0
    assert adjusted_rand_index(["a"] * 5, [0] * 5) == 1.0          # one cluster in both
    assert adjusted_rand_index(list("abcde"), range(5)) == 1.0     # all singletons in both
    assert adjusted_rand_index(["a"] * 4, range(4)) == 0.0
    assert adjusted_rand_index([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    big = np.repeat(np.arange(4), 250_000)   # products of pair counts ~ 1e21 > 2**53
    assert adjusted_rand_index(big, big[::-1]) == 1.0
    with pytest.raises(InputError):
        adjusted_rand_index([0, 1], [0])


def test_contingency_table():
    classes, clusters, table = contingency(["b", "a", "b", "c", "a"], [1, 0, 1, 1, 2])
    assert classes == ("a", "b", "c") and clusters == (0, 1, 2)
    np.testing.assert_array_equal(table, [[1, 0, 1], [0, 2, 0], [0, 1, 0]])
    assert table.sum() == 5
    # Labels that do not compare keep their order of first appearance.
    classes, _, table = contingency([("t", 1), "s", "s"], [0, 0, 1])
    assert classes == (("t", 1), "s")
    np.testing.assert_array_equal(table, [[1, 0], [1, 1]])
    classes, clusters, table = contingency(np.array([2, 1, 2]), np.array(["x", "y", "x"]))
    assert classes == (1, 2) and type(classes[0]) is int and clusters == ("x", "y")
    assert contingency([], [])[2].shape == (0, 0)


def test_iris_ari_of_a_k3_fit_matches_sklearn():
    data = load_sample("iris")
    assert data.column_names == ("Petal.Length", "Petal.Width") and len(data.labels) == 150
    mix = E.fit(data.points, 3, settings=E.EMSettings("full"), init="kmeans", seed=0).mixture
    pred = E.predict(data.points, mix)
    ari = adjusted_rand_index(data.labels, pred)
    assert ari == pytest.approx(adjusted_rand_score(data.labels, pred), rel=0, abs=1e-12)
    assert ari > 0.8   # the petals separate the species well
    conf = matched_confusion(data.labels, pred, 3)
    assert conf.classes == ("setosa", "versicolor", "virginica")
    assert conf.ari == ari
    # setosa is perfectly separated; the diagonal holds the matched counts.
    assert conf.table[0, 0] == 50 and conf.table[0, 1:].sum() == 0
    assert conf.accuracy == pytest.approx(np.trace(conf.table) / 150)


def test_matched_confusion_undoes_a_known_permutation():
    truth = ["cat"] * 5 + ["dog"] * 4 + ["eel"] * 3
    # Component 2 is cat, 0 is dog, 1 is eel; two points are misassigned.
    pred = [2, 2, 2, 2, 0] + [0, 0, 0, 1] + [1, 1, 1]
    conf = matched_confusion(truth, pred, 3)
    assert conf.classes == ("cat", "dog", "eel")
    assert conf.component_order == (2, 0, 1)
    assert conf.matched == (("cat", 2), ("dog", 0), ("eel", 1))
    np.testing.assert_array_equal(conf.table, [[4, 1, 0], [0, 3, 1], [0, 0, 3]])
    assert conf.accuracy == pytest.approx(10 / 12)
    assert conf.ari == pytest.approx(adjusted_rand_score(truth, pred), abs=1e-12)
    assert not conf.table.flags.writeable


def test_matched_confusion_with_more_components_than_classes():
    truth = ["a"] * 4 + ["b"] * 4
    pred = [3, 3, 3, 1] + [0, 0, 0, 0]
    conf = matched_confusion(truth, pred, 5)
    assert conf.component_order == (3, 0, 1, 2, 4)    # unmatched components last, by index
    assert conf.matched == (("a", 3), ("b", 0))
    np.testing.assert_array_equal(conf.table, [[3, 0, 1, 0, 0], [0, 4, 0, 0, 0]])
    assert conf.accuracy == pytest.approx(7 / 8)


def test_matched_confusion_with_fewer_components_than_classes():
    truth = [1] * 2 + [2] * 5 + [3] * 4
    pred = [0, 0] + [1] * 5 + [0] * 4
    conf = matched_confusion(truth, pred, 2)
    assert conf.classes == ("1", "2", "3")
    # Class 3 (4 points) wins component 0 over class 1 (2 points); class 2 gets component 1.
    assert conf.matched == (("2", 1), ("3", 0))
    assert conf.component_order == (1, 0)
    np.testing.assert_array_equal(conf.table, [[0, 2], [5, 0], [0, 4]])
    assert conf.accuracy == pytest.approx(9 / 11)


@pytest.mark.parametrize("pred,k", [([0, 3], 3), ([0, -1], 3), ([0.5, 1.0], 3), ([0, 1], 0),
                                    ([0], 3)])
def test_matched_confusion_rejects_bad_components(pred, k):
    with pytest.raises(InputError):
        matched_confusion(["a", "b"], pred, k)
