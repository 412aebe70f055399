#!/usr/bin/env bash
# The SpiffWorkflow side of bench/spiff/bench_spiff.py runs in an environment of its own: SpiffWorkflow is
# not a dependency of creditflow. Creates bench/spiff/.venv (git-ignored) with SpiffWorkflow from PyPI.
# Run from anywhere: bash bench/spiff/setup.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3.11}"
if [ ! -x "$here/.venv/bin/python" ]; then
    "$python" -m venv "$here/.venv"
fi
"$here/.venv/bin/python" -m pip install -q --upgrade pip
# SpiffWorkflow 3 (BPMN engine with its own JSON serializer; lxml is its one dependency).
"$here/.venv/bin/python" -m pip install -q "SpiffWorkflow>=3,<4"
"$here/.venv/bin/python" -c "import importlib.metadata as m; print('SpiffWorkflow', m.version('SpiffWorkflow'), 'in', '$here/.venv')"
