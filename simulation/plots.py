"""Figures of a run's main metrics (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from .params import DOMAINS, KINDS


def run_figure(frame: pd.DataFrame, title: str) -> plt.Figure:
    """Four panels: welfare and domains; inequality and reach; partnerships by kind; trust."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True, constrained_layout=True)
    step = frame["step"]
    ax = axes[0, 0]
    ax.plot(step, frame["community_welfare"], color="black", lw=2.2, label="community (HDI-style)")
    for d in DOMAINS:
        ax.plot(step, frame[f"welfare_{d}"], lw=1.2, label=d)
    ax.set(title="Welfare", ylabel="index (0-1)", ylim=(0, 1))
    ax.legend(fontsize=8, ncol=2)
    ax = axes[0, 1]
    for col, label in (("gini", "Gini"), ("coverage", "coverage"), ("sen_welfare", "Sen W")):
        ax.plot(step, frame[col], label=label)
    ax.set(title="Inequality and reach", ylim=(0, 1))
    ax.legend(fontsize=8)
    ax = axes[1, 0]
    ax.stackplot(step, *(frame[f"partnerships_{k}"] for k in KINDS), labels=KINDS)
    ax.set(title="Active partnerships by kind", xlabel="month", ylabel="count")
    ax.legend(fontsize=7, ncol=4, loc="upper left")
    ax = axes[1, 1]
    ax.plot(step, frame["mean_trust"], label="all pairs")
    ax.plot(step, frame["partner_trust"], label="between partners")
    ax.plot(step, frame["partnership_survival"], label="partnership survival", ls="--")
    ax.set(title="Trust and survival", xlabel="month", ylim=(0, 1))
    ax.legend(fontsize=8)
    fig.suptitle(title)
    return fig


def save_run_figure(frame: pd.DataFrame, title: str, path: Path) -> None:
    """Write the run figure as a PNG."""
    fig = run_figure(frame, title)
    fig.savefig(path, dpi=110)
    plt.close(fig)
