"""The mathematics of GMM Explorer: pure numpy/scipy (+ numba kernels). Never imports Qt.

Public API (module in brackets)::

    Mixture, COVARIANCE_TYPES, project_covariance_type              [mixture]
    MODEL_TYPES (mclust's fourteen; names, counts, M-steps)         [models]
    EMSettings, EStep, StepResult, step_result                       [steps]
    ComponentDiagnostics                                             [diagnostics: health]
    m_step, m_step_from_responsibilities                             [mstep]
    e_step, em_step, HalfStep, half_steps, run_finished, iterate     [em: the one EM loop]
    initialise, initialise_from_labels, initialise_from_selection, INIT_METHODS,
    kmeans_details,
    KMeansDetails                                                    [init]
    fit, FitResult                                                   [fit]
    score_samples, predict, predict_proba, noise_responsibility, uncertainty,
    log_density_grid, decision_grid,
    ellipse, ellipses, ellipse_axes, sample                          [density]
    bic, aic, icl, sweep, iter_sweep, sweep_cells, best_row, SelectionRow [selection]
    Locks, LOCK_KINDS                                                [locks: M-step locks]
    move_mean, add_component, remove_component, first_component,
    default_covariance_for, reseed_component, raise_reg_covar        [edit: hand edits]
    handle_positions, drag_handle                                    [handles]
    restart_plan, run_restarts, group_optima, Optimum, Restart       [optima: the gallery]
    adjusted_rand_index, matched_confusion, Confusion                [agreement with labels]
    point_report, point_reports_along, PointReport                   [point_report]
    e_step_terms, EStepTerms, m_step_terms, MStepTerms               [explain: EM with numbers]
    Standardisation, spread_ratio, SPREAD_RATIO_TO_OFFER             [units: z-scores]
    warm_up, set_num_threads, get_num_threads, HAVE_NUMBA            [_kernels]
"""

from gmm_explorer.engine._kernels import (
    HAVE_NUMBA,
    get_num_threads,
    set_num_threads,
    warm_up,
)
from gmm_explorer.engine.agreement import (
    Confusion,
    adjusted_rand_index,
    matched_confusion,
)
from gmm_explorer.engine.density import (
    decision_grid,
    ellipse,
    ellipse_axes,
    ellipses,
    log_density_grid,
    noise_responsibility,
    predict,
    predict_proba,
    sample,
    score_samples,
    uncertainty,
)
from gmm_explorer.engine.diagnostics import ComponentDiagnostics
from gmm_explorer.engine.edit import (
    add_component,
    default_covariance_for,
    first_component,
    move_mean,
    raise_reg_covar,
    remove_component,
    reseed_component,
)
from gmm_explorer.engine.em import (
    HalfStep,
    e_step,
    em_step,
    half_steps,
    iterate,
    run_finished,
)
from gmm_explorer.engine.explain import (
    EStepTerms,
    MStepTerms,
    e_step_terms,
    m_step_terms,
)
from gmm_explorer.engine.fit import FitResult, fit
from gmm_explorer.engine.handles import drag_handle, handle_positions
from gmm_explorer.engine.init import (
    INIT_METHODS,
    KMeansDetails,
    initialise,
    initialise_from_labels,
    initialise_from_selection,
    kmeans_details,
)
from gmm_explorer.engine.locks import LOCK_KINDS, Locks
from gmm_explorer.engine.mixture import (
    COVARIANCE_TYPES,
    Mixture,
    project_covariance_type,
)
from gmm_explorer.engine.mstep import m_step, m_step_from_responsibilities
from gmm_explorer.engine.optima import (
    Optimum,
    Restart,
    group_optima,
    restart_plan,
    run_restarts,
)
from gmm_explorer.engine.point_report import (
    PointReport,
    point_report,
    point_reports_along,
)
from gmm_explorer.engine.selection import (
    SelectionRow,
    aic,
    best_row,
    bic,
    icl,
    iter_sweep,
    sweep,
    sweep_cells,
)
from gmm_explorer.engine.steps import EMSettings, EStep, StepResult, step_result
from gmm_explorer.engine.models import MODEL_TYPES
from gmm_explorer.engine.units import SPREAD_RATIO_TO_OFFER, Standardisation, spread_ratio

__all__ = [
    "LOCK_KINDS", "Locks", "add_component", "default_covariance_for", "drag_handle",
    "first_component", "handle_positions", "move_mean", "raise_reg_covar", "remove_component",
    "reseed_component", "Confusion", "adjusted_rand_index", "matched_confusion", "Optimum",
    "Restart", "group_optima", "restart_plan", "run_restarts", "KMeansDetails", "PointReport",
    "decision_grid", "kmeans_details", "point_report", "point_reports_along", "uncertainty",
    "iter_sweep", "sweep_cells", "HalfStep", "half_steps", "run_finished",
    "COVARIANCE_TYPES", "ComponentDiagnostics", "EMSettings", "EStep", "FitResult", "HAVE_NUMBA",
    "INIT_METHODS", "initialise_from_labels", "initialise_from_selection", "Mixture", "SelectionRow", "StepResult", "aic", "best_row", "bic", "icl", "e_step",
    "ellipse", "ellipse_axes", "ellipses", "em_step", "fit", "get_num_threads", "initialise", "iterate",
    "log_density_grid", "m_step", "m_step_from_responsibilities", "predict",
    "project_covariance_type", "predict_proba",
    "sample", "score_samples", "set_num_threads", "step_result", "sweep", "warm_up",
    "noise_responsibility",
    "EStepTerms", "MStepTerms", "e_step_terms", "m_step_terms",
    "SPREAD_RATIO_TO_OFFER", "Standardisation", "spread_ratio", "MODEL_TYPES",
]
