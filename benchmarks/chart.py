"""The results at a glance: zero to green by step, and what authentication costs per request."""

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen needed

import matplotlib.pyplot as plt

ZERO_TO_GREEN_TARGETS = {"12 s target, uv on PATH": 12.0, "30 s target, no uv": 30.0}


def draw_chart(
    path: Path, zero_to_green: dict[str, dict[str, float]], service: dict[str, Any]
) -> None:
    """`zero_to_green`: median seconds of each hook step, by variant; `service`: service_load's
    figures."""
    figure, (steps_axis, rps_axis, latency_axis) = plt.subplots(
        1, 3, figsize=(16, 5), gridspec_kw={"width_ratios": [2.2, 1, 1.3]}
    )
    draw_zero_to_green(steps_axis, zero_to_green)
    draw_throughput(rps_axis, service)
    draw_latency(latency_axis, service)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


# The hook's steps by the name it prints them under (what it does not time is "render": the
# rendering itself, pruning, .env, git init).
PHASES = {
    "render": "",
    "fetch uv": "fetch uv",
    "create .venv": "create .venv",
    "install": "install the project",
    "tests": "run the",  # "run the smoke tests"; "run the tests" in results before them
}


def phase_of(step: str) -> str:
    return next(
        (phase for phase, prefix in PHASES.items() if prefix and step.startswith(prefix)), "render"
    )


def draw_zero_to_green(axis: Any, zero_to_green: dict[str, dict[str, float]]) -> None:
    labels = [label.removeprefix("zero to green, ") for label in zero_to_green]
    seconds_by_phase = [
        {phase: sum(s for step, s in steps.items() if phase_of(step) == phase) for phase in PHASES}
        for steps in zero_to_green.values()
    ]
    lefts = [0.0] * len(labels)
    for index, phase in enumerate(PHASES):
        widths = [seconds[phase] for seconds in seconds_by_phase]
        axis.barh(labels, widths, left=lefts, label=phase, color=plt.cm.tab10(index))
        lefts = [left + width for left, width in zip(lefts, widths, strict=True)]
    for row, total in enumerate(lefts):
        axis.text(total + 0.8, row, f"{total:.1f} s", va="center", fontweight="bold")
    for (name, seconds), style in zip(ZERO_TO_GREEN_TARGETS.items(), ("--", ":"), strict=True):
        axis.axvline(seconds, color="black", linestyle=style, linewidth=1, label=name)
    axis.invert_yaxis()
    axis.set_xlim(0, max(lefts) * 1.15)
    axis.set_xlabel("seconds (median)")
    axis.set_title("Zero to green: the generate command to a tested project")
    axis.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4)


# Routes by their key in service_load's figures; results from before the JWT-only route lack it.
ROUTES = {"authenticated": "tab:red", "jwt_only": "tab:orange", "public": "tab:green"}


def draw_throughput(axis: Any, service: dict[str, Any]) -> None:
    routes = service["routes"]
    names = [name for name in ROUTES if name in routes]
    values = [routes[name]["rps"]["median"] for name in names]
    bars = axis.bar(
        [name.replace("_", " ") for name in names], values, color=[ROUTES[n] for n in names]
    )
    axis.bar_label(bars, fmt="%.0f")
    axis.set_ylabel("requests per second (median)")
    title = f"Throughput, {service['concurrency']} connections\n"
    title += f"authenticated / public = {service['throughput_ratio']:.2f}"
    if "jwt_only_ratio" in service:
        title += f"\nauthenticated / JWT only = {service['jwt_only_ratio']:.2f}"
    axis.set_title(title)


def draw_latency(axis: Any, service: dict[str, Any]) -> None:
    routes = service["routes"]
    groups = {
        **{name.replace("_", " "): routes[name]["latency_ms"] for name in ROUTES if name in routes},
        "POST /token\n(sequential)": service["token_ms"],
    }
    positions = range(len(groups))
    for offset, statistic in ((-0.2, "median"), (0.2, "p99")):
        values = [figures[statistic] for figures in groups.values()]
        bars = axis.bar([p + offset for p in positions], values, width=0.4, label=statistic)
        axis.bar_label(bars, fmt="%.1f", fontsize="small")
    axis.set_xticks(list(positions), list(groups))
    axis.set_ylabel("milliseconds")
    axis.set_title("Request latency")
    axis.legend()
