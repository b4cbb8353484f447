"""The mathematics of GMM Explorer: pure numpy/scipy (+ numba kernels). Never imports Qt.

Public API::

    Mixture, COVARIANCE_TYPES                     (mixture)
    EMSettings, EStep, StepResult, e_step, m_step, em_step, iterate   (em)
    initialise, INIT_METHODS                      (init)
    fit, FitResult                                (fit)
    score_samples, predict, predict_proba, log_density_grid, ellipse, sample   (density)
    bic, aic, sweep, best_row                     (selection)
    Locks, LOCK_KINDS                             (locks: per-component M-step locks)
    move_mean, drag_handle, handle_positions, add_component, remove_component,
    first_component, default_covariance_for, reseed_component, raise_reg_covar   (edit)
    restart_plan, run_restarts, group_optima, Optimum, Restart    (optima: local-optima gallery)
    adjusted_rand_index, matched_confusion, Confusion             (agreement with labels)
    point_report, point_reports_along, uncertainty, decision_grid, kmeans_details   (pointwise)
    warm_up, set_num_threads, HAVE_NUMBA          (kernels)
"""

from gmm_explorer.engine._kernels import HAVE_NUMBA, get_num_threads, set_num_threads, warm_up
from gmm_explorer.engine.density import (
    ellipse,
    ellipse_axes,
    log_density_grid,
    predict,
    predict_proba,
    sample,
    score_samples,
)
from gmm_explorer.engine.em import (
    ComponentDiagnostics,
    EMSettings,
    EStep,
    StepResult,
    e_step,
    em_step,
    iterate,
    m_step,
    m_step_from_responsibilities,
    project_covariance_type,
    step_result,
)
from gmm_explorer.engine.edit import (
    add_component,
    default_covariance_for,
    drag_handle,
    first_component,
    handle_positions,
    move_mean,
    raise_reg_covar,
    remove_component,
    reseed_component,
)
from gmm_explorer.engine.agreement import Confusion, adjusted_rand_index, matched_confusion
from gmm_explorer.engine.fit import FitResult, fit
from gmm_explorer.engine.init import INIT_METHODS, initialise
from gmm_explorer.engine.locks import LOCK_KINDS, Locks
from gmm_explorer.engine.mixture import COVARIANCE_TYPES, Mixture
from gmm_explorer.engine.optima import Optimum, Restart, group_optima, restart_plan, run_restarts
from gmm_explorer.engine.pointwise import (
    KMeansDetails,
    PointReport,
    decision_grid,
    kmeans_details,
    point_report,
    point_reports_along,
    uncertainty,
)
from gmm_explorer.engine.selection import (
    SelectionRow,
    aic,
    best_row,
    bic,
    iter_sweep,
    sweep,
    sweep_cells,
)

__all__ = [
    "LOCK_KINDS", "Locks", "add_component", "default_covariance_for", "drag_handle",
    "first_component", "handle_positions", "move_mean", "raise_reg_covar", "remove_component",
    "reseed_component", "Confusion", "adjusted_rand_index", "matched_confusion", "Optimum",
    "Restart", "group_optima", "restart_plan", "run_restarts", "KMeansDetails", "PointReport",
    "decision_grid", "kmeans_details", "point_report", "point_reports_along", "uncertainty",
    "iter_sweep", "sweep_cells",
    "COVARIANCE_TYPES", "ComponentDiagnostics", "EMSettings", "EStep", "FitResult", "HAVE_NUMBA",
    "INIT_METHODS", "Mixture", "SelectionRow", "StepResult", "aic", "best_row", "bic", "e_step",
    "ellipse", "ellipse_axes", "em_step", "fit", "get_num_threads", "initialise", "iterate",
    "log_density_grid", "m_step", "m_step_from_responsibilities", "predict", "project_covariance_type", "predict_proba",
    "sample", "score_samples", "set_num_threads", "step_result", "sweep", "warm_up",
]
