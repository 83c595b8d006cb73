#!/usr/bin/env bash
# Build the project environment in .venv (idempotent).  Used by both README commands and by .ci/run.
# - Python >= 3.11 with venv and pip is the only hard requirement.
# - When run as root on Debian/Ubuntu, also installs the PDF/HTML checkers (poppler-utils, chromium)
#   and the fonts used by the reports, if they are absent; elsewhere those checks are skipped by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev,lab]"
# Jupyter kernel named for the project (JupyterLab launcher, papermill runs).
.venv/bin/python -m ipykernel install --sys-prefix --name arefie-studies \
  --display-name "Python (arefie-studies)" >/dev/null
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  need=()
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
  fc-list 2>/dev/null | grep -qi "dejavu" || need+=(fonts-dejavu-core)
  if [ ${#need[@]} -gt 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null 2>&1 \
      || echo "setup: could not install ${need[*]} (rendered-output checks will be skipped)" >&2
  fi
fi
# axe-core (accessibility checks of the rendered HTML, tests/render/test_accessibility.py): installed
# with npm into a cache folder outside the repository, never vendored.
AXE_DIR=${AREFIE_AXE_DIR:-$HOME/.cache/arefie-studies/axe}
if command -v npm >/dev/null 2>&1 && [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
  mkdir -p "$AXE_DIR"
  npm install --prefix "$AXE_DIR" --no-audit --no-fund --silent axe-core@4 >/dev/null 2>&1 \
    || echo "setup: could not install axe-core (accessibility checks will be skipped)" >&2
fi
