#!/usr/bin/env bash
# demo.sh - the one command to try the page: installs what is missing (setup.sh), builds the
# engine (build.sh), then serves web/ on http://localhost:8000 (PORT overrides) and prints the
# URL. Open it in Chrome, Edge or Firefox and allow the camera. Ctrl+C stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."

bash build-scripts/setup.sh
bash build-scripts/build.sh
port="${PORT:-8000}"
echo "demo: open http://localhost:${port}/ in a browser (the camera needs localhost or https)"
exec node build-scripts/serve.mjs --port "$port"
