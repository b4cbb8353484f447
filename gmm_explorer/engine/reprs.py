"""Readable and HTML representations of a Mixture and a state, for the console and for
notebooks (``repr``, ``_repr_html_``): the components' parameters as a table, and a
state's iteration and log-likelihood."""

from __future__ import annotations

import html

import numpy as np


def _rows(mixture):
    m = mixture
    sd = np.sqrt(np.stack([m.covariances[:, 0, 0], m.covariances[:, 1, 1]], axis=1))
    rho = m.covariances[:, 0, 1] / (sd[:, 0] * sd[:, 1])
    return [(j + 1, m.weights[j], m.means[j, 0], m.means[j, 1], sd[j, 0], sd[j, 1], rho[j])
            for j in range(m.n_components)]


def mixture_repr(mixture) -> str:
    """One line: K, the model, the weights and the means (4 significant digits)."""
    m = mixture
    w = ", ".join(f"{v:.4g}" for v in m.weights)
    means = ", ".join(f"({a:.4g}, {b:.4g})" for a, b in m.means)
    noise = f", noise_weight={m.noise_weight:.4g}" if m.has_noise else ""
    return (f"Mixture(K={m.n_components}, covariance_type={m.covariance_type!r}, "
            f"weights=[{w}], means=[{means}]{noise})")


def mixture_text(mixture) -> str:
    """A Mixture in a few readable lines: K, its model, and a row per component."""
    m = mixture
    head = f"Mixture: K={m.n_components}, covariance {m.covariance_type}" + (
        f", noise weight {m.noise_weight:.4g}" if m.has_noise else "")
    lines = [head, "   k   weight      mean x      mean y        sd x        sd y       rho"]
    lines += [f"{j:>4} {w:>8.4f} {mx:>11.5g} {my:>11.5g} {sx:>11.5g} {sy:>11.5g} {r:>9.4f}"
              for j, w, mx, my, sx, sy, r in _rows(m)]
    return "\n".join(lines)


def mixture_html(mixture) -> str:
    """A Mixture as an HTML table for notebooks."""
    m = mixture
    cells = "".join(
        f"<tr><td>{j}</td><td>{w:.4f}</td><td>{mx:.5g}</td><td>{my:.5g}</td>"
        f"<td>{sx:.5g}</td><td>{sy:.5g}</td><td>{r:.4f}</td></tr>"
        for j, w, mx, my, sx, sy, r in _rows(m))
    noise = (f"<tr><td>noise</td><td>{m.noise_weight:.4f}</td>"
             f"<td colspan='5'>uniform, density {m.noise_density:.4g}</td></tr>"
             if m.has_noise else "")
    return (f"<div><b>Mixture</b>: K={m.n_components}, covariance "
            f"{html.escape(m.covariance_type)}<table><thead><tr><th>k</th><th>weight</th>"
            "<th>mean x</th><th>mean y</th><th>sd x</th><th>sd y</th><th>ρ</th></tr>"
            f"</thead><tbody>{cells}{noise}</tbody></table></div>")


def step_line(step) -> str:
    """One line about a state: its iteration, log-likelihood and whether it converged."""
    return (f"iteration {step.iteration}: log-likelihood {step.log_likelihood:.6g} "
            f"(mean {step.mean_log_likelihood:.6g} per point), "
            + ("converged" if step.converged else "not converged"))


def step_html(step) -> str:
    """A state as HTML: its line, then its mixture's table."""
    return f"<div><p>{html.escape(step_line(step))}</p>{mixture_html(step.mixture)}</div>"
