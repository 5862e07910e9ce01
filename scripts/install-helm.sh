#!/usr/bin/env bash
# Builds the `helm` the tests render charts with, from Go modules (helm is not packaged by
# Debian here), into <repo>/.cache/bin/helm.
#
# Idempotent: when .cache/bin/helm already reports the pinned version it only checks and
# returns. Concurrent runs (several worktrees share .cache) take turns on a lock.
# Nothing is fetched except through the Go module proxy (GOPROXY without `direct`).
#
# Environment:
#   GO                   the go command (default: go on PATH, then /usr/local/go/bin/go)
#   PLUMBLINE_HELM_DIR   install folder (default <repo>/.cache/bin)
set -euo pipefail

HELM_VERSION=v3.22.0
K8S_MINOR=37                         # helm v3.22.0 builds against k8s.io/client-go v0.37.0

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${PLUMBLINE_HELM_DIR:-$repo/.cache/bin}"
bin="$dest/helm"
started=$SECONDS

say() { printf '[install-helm] %s\n' "$*"; }
die() { printf '[install-helm] ERROR: %s\n' "$*" >&2; exit 1; }

installed() {
  [ -x "$bin" ] && "$bin" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"
}

if installed; then
  say "helm $HELM_VERSION is installed at $bin"
  exit 0
fi

go="${GO:-}"
if [ -z "$go" ]; then
  if command -v go >/dev/null 2>&1; then go=go
  elif [ -x /usr/local/go/bin/go ]; then go=/usr/local/go/bin/go
  else die "building helm needs the Go toolchain (1.26 or newer); no go on PATH nor /usr/local/go/bin/go (set GO=/path/to/go)"
  fi
fi

mkdir -p "$dest"
exec 9>"$dest/.helm-build.lock"
if ! flock -n 9; then
  say "another process is building helm; waiting for it…"
  flock 9
fi
# The previous lock holder may have built it.
if installed; then
  say "helm $HELM_VERSION is installed at $bin"
  exit 0
fi

say "building helm $HELM_VERSION from Go modules (a few minutes the first time)…"
tmp="$(mktemp -d "$dest/.helm-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# The same version stamps as helm's own Makefile, so `helm version` and the chart
# capabilities (.Capabilities.KubeVersion) read like a release build.
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
ldflags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$K8S_MINOR"
ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$K8S_MINOR"
GOBIN="$tmp" GOPROXY=https://proxy.golang.org GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
  "$go" install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
mv -f "$tmp/helm" "$bin"
installed || die "$bin does not report $HELM_VERSION: $("$bin" version 2>&1 || true)"
say "built helm $HELM_VERSION in $((SECONDS - started))s at $bin"
