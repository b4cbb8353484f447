"""Write the shipped lessons: resources/lessons/NN-name.lesson.json and their sessions.

    .venv/bin/python packaging/make_lessons.py

Each lesson is a session file (.gmmx: the data and the model settings, not yet
initialised) and a lesson file with its steps (see gmm_explorer/io/lessons.py for the
format). The sessions are made from the shipped samples and from seeded synthetic data,
so rerunning this script writes the same files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gmm_explorer.io.lessons import FORMAT, SUFFIX, VERSION
from gmm_explorer.io.samples import load_sample
from gmm_explorer.io.session_file import write_session
from gmm_explorer.session.session import Session
from gmm_explorer.session.settings import ModelSettings

FOLDER = ROOT / "resources" / "lessons"


def sample(key: str):
    d = load_sample(key)
    return dict(points=d.points, source=Path(str(d.source)).name,
                column_names=tuple(d.column_names),
                labels=None if d.labels is None else tuple(d.labels), label_name=d.label_name)


def synthetic(points, names=("x", "y"), source="generated"):
    return dict(points=np.asarray(points, dtype=float), source=source, column_names=names,
                labels=None, label_name=None)


def one_bump():
    rng = np.random.default_rng(11)
    return synthetic(rng.multivariate_normal((5.0, 3.0), ((1.0, 0.6), (0.6, 0.8)), 250))


def five_clusters():
    rng = np.random.default_rng(5)
    centres = ((0, 0), (6, 0), (3, 5), (9, 5), (6, 10))
    return synthetic(np.vstack([rng.normal(c, 0.9, (70, 2)) for c in centres]))


def lone_point():
    rng = np.random.default_rng(7)
    return synthetic(np.vstack([rng.normal((0, 0), 0.7, (40, 2)),
                                rng.normal((4, 1), 0.7, (40, 2)), [[2.0, 6.0]]]))


LESSONS = [
    ("01-one-gaussian", one_bump, ModelSettings(k=1, init="kmeans"),
     "One Gaussian by maximum likelihood",
     "With K = 1 there is nothing to share: the maximum-likelihood Gaussian is the "
     "sample's own mean and covariance.",
     [("Press I to initialise one component, then Space for one EM step.",
       "The ring is the mean and the ellipses hold 39% and 86% of a Gaussian's mass. With "
       "one component every point belongs to it wholly, so one M-step gives the answer.",
       None),
      ("Press Space again, and look at the log-likelihood curve under the canvas.",
       "It is flat: nothing changes after the first step. The status line says converged.",
       None),
      ("Read μx, μy and σ in the table.",
       "They are the sample's mean and standard deviations (the covariance divides by N, "
       "not N − 1: that is the maximum-likelihood estimate).", None)]),
    ("02-two-bumps", lambda: sample("faithful"), ModelSettings(k=1, init="kmeans"),
     "Two bumps defeat one Gaussian",
     "Old Faithful's eruptions come in two kinds. One Gaussian covers both badly; a "
     "mixture of two fits each.",
     [("Press I, then C to run EM to convergence with K = 1.",
       "One wide ellipse over both clusters, with empty space in its middle. Note the "
       "mean log-likelihood in the status line.", None),
      ("Set K to 2 in the Model box and press C again.",
       "Each component takes one cluster, and the mean log-likelihood rises by about half a "
       "nat per point.", None),
      ("Open the Selection tab (it opens for you); press Recompute if it has not run.",
       "BIC against K for each covariance model. For full covariances it is lowest "
       "(best) at K = 2; more components always fit better, but BIC charges each one its "
       "parameters. The starred best is tied covariances with K = 3 (mclust's choice "
       "too): a third component for the eruptions between the two kinds.", "selection")]),
    ("03-half-steps", lambda: sample("faithful"), ModelSettings(k=2, init="centre"),
     "E and M as half-steps",
     "EM alternates two half-steps: the E-step shares each point among the components, "
     "the M-step moves each component to the points it was given.",
     [("Press I, then E.",
       "The points recolour by responsibility; the ellipses do not move. The Bound tab "
       "shows KL = 0: after an E-step the bound 𝓛 touches the log-likelihood.", "bound"),
      ("Press M.",
       "The ellipses move; the points keep their colours. 𝓛 rose, ln p rose more: a KL "
       "gap has reopened. The slice shows the bound's peak at t = 1.", "bound"),
      ("Open the M-step tab and pick a component.",
       "Its new weight, mean and covariance, each worked out from the responsibilities "
       "with numbers.", "mstep"),
      ("Press E and M a few more times, then Space (both at once).",
       "Every half-step raises the bound: the strip chart in the Bound tab never goes "
       "down.", "bound")]),
    ("04-local-optima", five_clusters, ModelSettings(k=5, init="random", seed=3),
     "Local optima and restarts",
     "EM climbs to the nearest hilltop, not the highest. Different starts end on "
     "different hilltops.",
     [("Press I, then C.",
       "Five clusters, five components, yet some clusters may share a component while "
       "another cluster is split.", None),
      ("Open the Optima tab (it opens for you) and press Find.",
       "Restarts from different seeds, grouped by where they ended: each thumbnail is a "
       "different local optimum, best first.", "gallery"),
      ("Click the best optimum to load it.",
       "The best one gives each cluster its own component. Try View › Likelihood "
       "landscape to see two of the means' hills.", "landscape")]),
    ("05-choosing-k", lambda: sample("iris"), ModelSettings(k=3, init="kmeans"),
     "Choosing K with BIC, AIC and ICL",
     "Three criteria, three answers: BIC and AIC charge for parameters differently, and "
     "ICL also charges for overlapping components.",
     [("Open the Selection tab (it opens for you); press Recompute if it has not run.",
       "BIC against K for iris petals, for each covariance model; the best model is "
       "starred and named above the plot.", "selection"),
      ("Choose ICL above the plot.",
       "ICL also charges for points that overlapping components share (versicolor and "
       "virginica overlap): its best model has fewer components than BIC's.",
       "selection"),
      ("Open the Truth tab after fitting K = 3 (press I, then C).",
       "The species labels against the components: setosa is found exactly, the other "
       "two mostly.", "truth")]),
    ("06-singularities", lone_point, ModelSettings(k=2, init="kmeans", reg_covar=0.0),
     "Singularities and their cures",
     "A component on a single point can shrink without end: its likelihood grows without "
     "bound. Here reg_covar is 0, plain maximum likelihood.",
     [("Press I, then C.",
       "Two components on the two clusters; the lone point at the top belongs to neither.",
       None),
      ("Choose Place mode (P), click on the lone point, then press Space three times.",
       "The new component takes the lone point. At each step its covariance shrinks "
       "towards zero and the log-likelihood jumps up, without bound; then EM stops: the "
       "covariance is singular (the message says so). Nothing is lost: the states "
       "before stay.", "health"),
      ("Set reg_covar to 1e-06 (scikit-learn's ridge) and press Space.",
       "EM goes on: the component sits on the point with variance 1e-06, the "
       "log-likelihood is large but finite, and the Health tab calls it collapsing.",
       "health"),
      ("Tick MAP (the conjugate prior) and press C.",
       "The prior keeps the covariance near the data's scale: no collapse.", "health"),
      ("Untick MAP. In the Health tab press Re-seed on component 3, then press C.",
       "Re-seeding moves it to the points the model explains worst, inside the data, "
       "where it takes a share of a cluster: the cure that changes the start, not the "
       "model. With the ridge alone it no longer collapses.", "health")]),
    ("07-em-cem-vb", lambda: sample("faithful"), ModelSettings(k=4, init="kmeans"),
     "EM, CEM, SEM, VB and k-means",
     "The same start, five algorithms: soft and hard assignments, random ones, and a "
     "Bayesian posterior that switches components off.",
     [("Press I to start four components by k-means.",
       "This state is the one start every algorithm will run from.", None),
      ("Open EM › Compare algorithms (it opens for you).",
       "Five frames from the same start. CEM and k-means give each point wholly to one "
       "component; EM, SEM and VB share it.", "compare"),
      ("Drag the iteration slider to the end.",
       "VB has switched one component off (3 of 4 on); SEM's objective wanders; k-means "
       "keeps its equal round clusters; EM and CEM stop when they converge.", "compare"),
      ("Press Export GIF….",
       "One frame per iteration, all five algorithms in each.", "compare")]),
]


def main() -> int:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, data, settings, title, summary, steps in LESSONS:
        session = Session(**data(), settings=settings)
        write_session(FOLDER / f"{name}.gmmx", session.to_record())
        lesson = {"format": FORMAT, "version": VERSION, "title": title, "summary": summary,
                  "session": f"{name}.gmmx",
                  "steps": [{"do": d, "notice": n, **({"show": s} if s else {})}
                            for d, n, s in steps]}
        (FOLDER / f"{name}{SUFFIX}").write_text(json.dumps(lesson, indent=1,
                                                           ensure_ascii=False) + "\n",
                                                encoding="utf-8")
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
