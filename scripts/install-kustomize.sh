#!/usr/bin/env bash
# Builds plumbline-kustomize (tools/kustomize: the kustomize Go API in one long-lived process,
# as kustomize-controller runs it) from Go modules into <repo>/.cache/bin, where the engine
# finds it. Without it the engine runs `kubectl kustomize` once per build, which is slower
# and renders the same output.
#
# Idempotent: when the installed binary reports the version in tools/kustomize/version.go it
# returns at once. Concurrent runs take turns on a lock. Only the Go module proxy is used.
#
# Environment:
#   GO                        the go command (default: go on PATH, then /usr/local/go/bin/go)
#   PLUMBLINE_KUSTOMIZE_DIR   install folder (default <repo>/.cache/bin)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/tools/kustomize"
dest="${PLUMBLINE_KUSTOMIZE_DIR:-$repo/.cache/bin}"
bin="$dest/plumbline-kustomize"
want="$(sed -n 's/^const version = "\(.*\)"$/\1/p' "$src/version.go")"
started=$SECONDS

say() { printf '[install-kustomize] %s\n' "$*"; }
die() { printf '[install-kustomize] ERROR: %s\n' "$*" >&2; exit 1; }

[ -n "$want" ] || die "no version line in $src/version.go"
installed() { [ -x "$bin" ] && [ "$("$bin" version 2>/dev/null)" = "$want" ]; }

if installed; then
  say "$want is installed at $bin"
  exit 0
fi

go="${GO:-}"
if [ -z "$go" ]; then
  if command -v go >/dev/null 2>&1; then go=go
  elif [ -x /usr/local/go/bin/go ]; then go=/usr/local/go/bin/go
  else die "building plumbline-kustomize needs the Go toolchain (1.26 or newer); no go on PATH nor /usr/local/go/bin/go (set GO=/path/to/go)"
  fi
fi

mkdir -p "$dest"
exec 9>"$dest/.kustomize-build.lock"
if ! flock -n 9; then
  say "another process is building plumbline-kustomize; waiting for it…"
  flock 9
fi
if installed; then
  say "$want is installed at $bin"
  exit 0
fi

say "building $want from Go modules…"
tmp="$(mktemp "$dest/.plumbline-kustomize.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
(cd "$src" && GOPROXY=https://proxy.golang.org GOFLAGS="-buildvcs=false -mod=readonly" CGO_ENABLED=0 GOTOOLCHAIN=local \
  "$go" build -trimpath -ldflags "-s -w" -o "$tmp" .)
chmod +x "$tmp"
mv -f "$tmp" "$bin"
installed || die "$bin does not report $want: $("$bin" version 2>&1 || true)"
say "built $want in $((SECONDS - started))s at $bin"
