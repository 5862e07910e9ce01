#!/usr/bin/env bash
# Runs .ci/run on a clean clone of HEAD, RUNS times in a row, while two processes keep both
# cores busy and a third writes to disk with fsync (etcd in the cluster tier is sensitive to
# it). This is how the suite is checked for flakes before a change lands.
#
#   bash scripts/ci-under-load.sh [RUNS]      (default 3; logs in $TMPDIR/plumbline-ci-load.*)
#
# The load stops with the script, whatever way it ends.
set -euo pipefail
runs="${1:-3}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/plumbline-ci-load.XXXXXX")"
pids=()
stop_load() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap stop_load EXIT

git clone -q "$repo" "$work/clone"
# CI lays shared/ beside the clone; the tests read nothing from it, but keep the layout.
[ -d "$repo/../shared" ] && cp -r "$repo/../shared" "$work/shared"
# Builds the tests need are cached per repository; share them as worktrees do.
[ -d "$repo/.cache" ] && ln -s "$repo/.cache" "$work/clone/.cache"

for _ in 1 2; do ( while :; do :; done ) & pids+=($!); done
( while :; do dd if=/dev/zero of="$work/fsync.bin" bs=64k count=64 conv=fsync status=none; done ) & pids+=($!)

for i in $(seq 1 "$runs"); do
  log="$work/run-$i.log"
  start=$SECONDS
  if (cd "$work/clone" && CI=true bash .ci/run >"$log" 2>&1); then
    echo "run $i/$runs: passed in $((SECONDS - start)) s ($(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1))"
  else
    echo "run $i/$runs: FAILED after $((SECONDS - start)) s — see $log"
    grep -E '✖|not ok|failed' "$log" | head -20
    exit 1
  fi
done
echo "all $runs runs passed under load; logs in $work"
