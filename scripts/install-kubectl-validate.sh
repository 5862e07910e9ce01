#!/usr/bin/env bash
# Builds kubectl-validate (sigs.k8s.io/kubectl-validate: the apiserver's own validation code for
# CRDs and built-in kinds, CEL rules included) from its Go module into <repo>/.cache/bin, where
# `npm run bench:validate` uses it as an anchor. Not needed by the extension nor by `npm test`.
#
# Idempotent: when the installed binary records the pinned module version (`go version -m`) it
# returns at once. Concurrent runs take turns on a lock. Only the Go module proxy is used.
#
# Environment:
#   GO                              the go command (default: go on PATH, then /usr/local/go/bin/go)
#   PLUMBLINE_KUBECTL_VALIDATE_DIR  install folder (default <repo>/.cache/bin)
set -euo pipefail

module="sigs.k8s.io/kubectl-validate"
# The only version the module proxy serves (`go list -m -versions sigs.k8s.io/kubectl-validate`).
want="v0.0.4"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${PLUMBLINE_KUBECTL_VALIDATE_DIR:-$repo/.cache/bin}"
bin="$dest/kubectl-validate"
started=$SECONDS

say() { printf '[install-kubectl-validate] %s\n' "$*" >&2; }
die() { printf '[install-kubectl-validate] ERROR: %s\n' "$*" >&2; exit 1; }

go="${GO:-}"
if [ -z "$go" ]; then
  if command -v go >/dev/null 2>&1; then go=go
  elif [ -x /usr/local/go/bin/go ]; then go=/usr/local/go/bin/go
  else die "building kubectl-validate needs the Go toolchain (1.22 or newer); no go on PATH nor /usr/local/go/bin/go (set GO=/path/to/go)"
  fi
fi

# The module and version the binary was built from, as Go recorded them in it.
installed() {
  [ -x "$bin" ] || return 1
  [ "$("$go" version -m "$bin" 2>/dev/null | awk '$1 == "mod" { print $2 " " $3 }')" = "$module $want" ]
}

if installed; then
  say "$want is installed at $bin"
  exit 0
fi

mkdir -p "$dest"
exec 9>"$dest/.kubectl-validate-build.lock"
if ! flock -n 9; then
  say "another process is building kubectl-validate; waiting for it…"
  flock 9
fi
if installed; then
  say "$want is installed at $bin"
  exit 0
fi

say "building $module@$want from the Go module proxy (a few minutes the first time)…"
tmp="$(mktemp -d "$dest/.kubectl-validate.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOPROXY=https://proxy.golang.org GOFLAGS="-buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local \
  "$go" install -trimpath -ldflags "-s -w" "$module@$want"
mv -f "$tmp/kubectl-validate" "$bin"
installed || die "$bin does not record $module $want: $("$go" version -m "$bin" 2>&1 | head -3 || true)"
say "built $want in $((SECONDS - started))s at $bin"
