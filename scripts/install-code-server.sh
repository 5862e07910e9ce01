#!/usr/bin/env bash
# Installs what the e2e tier needs: Debian's Chromium + ripgrep + native build
# tools (apt), and code-server (VS Code in the browser) from npm into its own
# folder, <repo>/.cache/code-server, kept apart from the extension's own
# dependencies.
#
# Idempotent: when everything is already in place it only checks and returns
# (well under a second of work plus `code-server --version`).
#
# Environment:
#   PLUMBLINE_CODE_SERVER_DIR  install folder (default <repo>/.cache/code-server)
set -euo pipefail

CODE_SERVER_VERSION=4.100.3          # VS Code 1.100.3; the last release that runs on Node 20
RIPGREP_PKG_VERSION=1.15.11          # @vscode/ripgrep version pinned by code-server's shrinkwrap
RIPGREP_RELEASE=v13.0.0-10           # the ripgrep-prebuilt release that version downloads
APT_PACKAGES=(build-essential python3 pkg-config libkrb5-dev ripgrep chromium)

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${PLUMBLINE_CODE_SERVER_DIR:-$repo/.cache/code-server}"
bin="$dest/node_modules/.bin/code-server"
vscode_dir="$dest/node_modules/code-server/lib/vscode"
marker="$dest/.installed"
started=$SECONDS

say() { printf '[install-code-server] %s\n' "$*"; }
die() { printf '[install-code-server] ERROR: %s\n' "$*" >&2; exit 1; }

# Native pieces that must exist after a good install: VS Code's server fails at
# run time (search, terminals, file watching, logging) when one is missing.
native_files=(
  "$vscode_dir/node_modules/@vscode/ripgrep/bin/rg"
  "$vscode_dir/node_modules/node-pty/build/Release/pty.node"
  "$vscode_dir/node_modules/@vscode/spdlog/build/Release/spdlog.node"
  "$vscode_dir/node_modules/native-watchdog/build/Release/watchdog.node"
)

apt_missing() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != installed ]; then
      printf '%s\n' "$p"
    fi
  done
}

native_missing() {
  local f
  for f in "${native_files[@]}"; do
    [ -e "$f" ] || printf '%s\n' "$f"
  done
}

verify_code_server() {
  local out line
  # --config /dev/null: otherwise a first run writes ~/.config/code-server/config.yaml
  out="$("$bin" --config /dev/null --version 2>&1)" || die "'$bin --version' failed:
$out"
  line="$(printf '%s\n' "$out" | grep -E "^$CODE_SERVER_VERSION " | head -n1 || true)"
  [ -n "$line" ] || die "'$bin --version' did not report $CODE_SERVER_VERSION:
$out"
  say "code-server --version: $line"
}

# ---------------------------------------------------------------- fast path
mapfile -t missing_apt < <(apt_missing)
if [ "${#missing_apt[@]}" -eq 0 ] && [ -x "$bin" ] && [ -f "$marker" ] &&
  [ "$(cat "$marker")" = "$CODE_SERVER_VERSION" ] && [ -z "$(native_missing)" ]; then
  say "already installed in $dest"
  verify_code_server
  exit 0
fi

# ---------------------------------------------------------------- apt
if [ "${#missing_apt[@]}" -gt 0 ]; then
  say "apt packages missing: ${missing_apt[*]}"
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "not root and no sudo: install ${missing_apt[*]} with apt-get first"
    sudo=(sudo)
  fi
  say "apt-get update"
  "${sudo[@]}" apt-get update -qq
  say "apt-get install ${missing_apt[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing_apt[@]}"
  mapfile -t still_missing < <(apt_missing)
  [ "${#still_missing[@]}" -eq 0 ] || die "apt-get did not install: ${still_missing[*]}"
  say "apt packages installed ($((SECONDS - started))s so far)"
else
  say "apt packages present: ${APT_PACKAGES[*]}"
fi

command -v node >/dev/null || die "node is not on PATH"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" = 20 ] || die "code-server $CODE_SERVER_VERSION needs Node 20, this is $(node --version)"

# ---------------------------------------------------------------- ripgrep seed
# @vscode/ripgrep's postinstall downloads a ripgrep build from GitHub unless
# <os.tmpdir()>/vscode-ripgrep-cache-<version>/<asset> already exists; it then
# runs `tar xvf <asset> -C bin` and expects `rg` at the archive root. Seed that
# archive from Debian's ripgrep, so nothing is downloaded.
case "$(uname -m)" in
  x86_64) rg_target=x86_64-unknown-linux-musl ;;
  aarch64 | arm64) rg_target=aarch64-unknown-linux-musl ;;
  *) die "unsupported architecture for the ripgrep seed: $(uname -m)" ;;
esac
rg_cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
rg_asset="$rg_cache/ripgrep-$RIPGREP_RELEASE-$rg_target.tar.gz"
if [ ! -s "$rg_asset" ]; then
  system_rg="$(command -v rg || true)"
  [ -n "$system_rg" ] || die "ripgrep (rg) is not on PATH"
  say "seeding $rg_asset from $system_rg"
  mkdir -p "$rg_cache"
  staging="$(mktemp -d)"
  cp "$system_rg" "$staging/rg"
  chmod 755 "$staging/rg"
  tar -czf "$rg_asset.tmp" -C "$staging" rg
  mv "$rg_asset.tmp" "$rg_asset"
  rm -rf "$staging"
else
  say "ripgrep seed present: $rg_asset"
fi

# ---------------------------------------------------------------- npm
mkdir -p "$dest"
cat >"$dest/package.json" <<EOF
{
  "name": "plumbline-e2e-code-server",
  "private": true,
  "description": "code-server for Plumbline's e2e tests; installed by scripts/install-code-server.sh, not a dependency of the extension",
  "dependencies": {
    "code-server": "$CODE_SERVER_VERSION"
  }
}
EOF

# npm 11 skips dependency install scripts unless allowed, and code-server is
# mostly native modules built by them. The allow-list routes do not work here:
# code-server's postinstall runs a nested `npm install` in lib/vscode (a
# project install of its own, whose package.json has no allowScripts), and
# npm exports any non-default allow-scripts setting to that child as
# npm_config_allow_scripts, which a project install rejects (EALLOWSCRIPTS).
# So allow all scripts for this one install only: the tree is pinned exactly
# by code-server's npm-shrinkwrap.json files (versions + integrity), and the
# checks below fail the install if a native part did not get built.
# node-gyp must not try to download Node headers (no network but registries):
# use the ones Debian's nodejs ships when npm has no nodedir configured.
nodedir_env=()
configured_nodedir="$(npm config get nodedir 2>/dev/null || true)"
if { [ -z "$configured_nodedir" ] || [ "$configured_nodedir" = undefined ] || [ "$configured_nodedir" = null ]; } &&
  [ -f /usr/include/node/node.h ]; then
  nodedir_env=(npm_config_nodedir=/usr)
fi

say "npm install code-server@$CODE_SERVER_VERSION into $dest (builds native modules; a few minutes cold)"
npm_started=$SECONDS
(
  cd "$dest"
  # unsafe_perm: code-server's postinstall refuses to run as root without it.
  # yes: a dependency's install step may run npx, which must not prompt.
  env npm_config_dangerously_allow_all_scripts=true \
    npm_config_unsafe_perm=true \
    npm_config_yes=true \
    "${nodedir_env[@]}" \
    npm install --no-audit --no-fund --foreground-scripts --no-package-lock
) || die "npm install of code-server failed (see the output above)"
say "npm install took $((SECONDS - npm_started))s"

mapfile -t missing_native < <(native_missing)
[ "${#missing_native[@]}" -eq 0 ] ||
  die "code-server installed but native parts are missing (install scripts did not run?): ${missing_native[*]}"
[ -x "$bin" ] || die "$bin is missing after npm install"

verify_code_server
printf '%s' "$CODE_SERVER_VERSION" >"$marker"
say "done in $((SECONDS - started))s"
