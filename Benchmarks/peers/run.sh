#!/bin/sh
# Concord's first sync beside the peers', in one run on one machine: concord-bench fills a server with N changes
# (ingest) and measures a new analyst's first sync from its snapshot unlimited and through 1000 and 100 Mbit/s
# links, beside the same run's raw SQLite baseline; then replay.py replays that server's changes into Yrs and Loro
# and measures their joins. Prints concord-bench's JSON lines, then replay.py's JSON object.
#
#   pip install -r Benchmarks/peers/requirements.txt
#   Benchmarks/peers/run.sh [CHANGES]          # default 1,000,000
set -eu
changes=${1:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
swift build -c release --product concord-bench >&2
.build/release/concord-bench --only baseline,ingest,bootstrap --changes "$changes" --link-mbps 0,1000,100 \
    --directory "$work" --json
python3 "$here/replay.py" --db "$work"/concord-bench-*/server.sqlite --json
