#!/usr/bin/env bash
# Build the real `pulumi` CLI, the Python language host and the YAML language host from Go modules (no prebuilt
# downloads) and install them, with the language host's exec shim from the Pulumi SDK module and our Python runtime scripts
# (tools/python-runtime, among them the `pulumi-language-python` wrapper the engine starts), into a cache keyed by
# version.
# Prints the bin directory on stdout. Safe to rerun: a complete cache is reused.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
modver() { awk -v m="$2" '($1 == m || ($1 == "require" && $2 == m)) { v = ($1 == m) ? $2 : $3; sub(/^v/, "", v); print v; exit }' "$1"; }
CLI_VERSION="$(modver "$here/pulumi-cli/go.mod" github.com/pulumi/pulumi/pkg/v3)"
HOST_VERSION="$(modver "$here/pulumi-language-python/go.mod" github.com/pulumi/pulumi/sdk/v3)"
YAML_VERSION="$(modver "$here/pulumi-language-yaml/go.mod" github.com/pulumi/pulumi-yaml)"
[ -n "$CLI_VERSION" ] && [ -n "$HOST_VERSION" ] && [ -n "$YAML_VERSION" ] \
  || { echo "build.sh: cannot read versions from go.mod" >&2; exit 1; }

cache_root="${AUDIENCE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/audience-providers}"
bin="$cache_root/pulumi-v${CLI_VERSION}-lh${HOST_VERSION}/bin"
# The YAML host has its own cache dir keyed by its version: a toolchain cached before it (or after a pulumi-yaml
# bump) gets the host built and added to bin/ without rebuilding pulumi, and a pulumi bump doesn't rebuild it.
yaml_dir="$cache_root/pulumi-language-yaml-v${YAML_VERSION}"

need_go() {
  command -v go >/dev/null || { echo "build.sh: Go is required (go 1.25+) to build the Pulumi CLI" >&2; exit 1; }
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
}

# Same flags as pulumi-yaml's own release build (its .goreleaser.yml), plus -trimpath as for the CLI.
build_yaml_host() {
  [ -x "$yaml_dir/pulumi-language-yaml" ] && return 0
  need_go
  local tmp="$yaml_dir.tmp.$$" start
  start=$(date +%s)
  rm -rf "$tmp"; mkdir -p "$tmp"
  echo "building pulumi-language-yaml v${YAML_VERSION} (cold: ~2 min on 2 cores)..." >&2
  (cd "$here/pulumi-language-yaml" && go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v${YAML_VERSION}" \
    -o "$tmp/" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml)
  # A concurrent run may have finished first: keep its copy (mv -T refuses a non-empty target).
  mv -T "$tmp" "$yaml_dir" 2>/dev/null || rm -rf "$tmp"
  echo "built pulumi-language-yaml in $(( $(date +%s) - start ))s" >&2
}

# The engine finds language hosts on PATH or next to `pulumi`: copy the host into bin/ (temp file + mv, atomic).
install_yaml_host() {
  build_yaml_host
  if ! cmp -s "$yaml_dir/pulumi-language-yaml" "$1/pulumi-language-yaml"; then
    install -m 0755 "$yaml_dir/pulumi-language-yaml" "$1/.pulumi-language-yaml.$$"
    mv -f "$1/.pulumi-language-yaml.$$" "$1/pulumi-language-yaml"
  fi
}

# Our Python runtime scripts (tools/python-runtime: the dynamic-provider launcher, PULUMI_PYTHON_CMD) are repo
# files, not build products: refresh them whenever they differ, so a cached toolchain picks up changes without a
# rebuild. Written via a temp file + mv (atomic).
install_launcher() {
  local name
  for name in pulumi-resource-pulumi-python pulumi-dynamic-wide-server.py pulumi-python-cmd \
              pulumi-installed-packages.py pulumi-language-python; do
    if ! cmp -s "$here/python-runtime/$name" "$1/$name"; then
      install -m 0755 "$here/python-runtime/$name" "$1/.$name.$$"
      mv -f "$1/.$name.$$" "$1/$name"
    fi
  done
}

# The language host binary is pulumi-language-python-host; pulumi-language-python is our wrapper around it (it reads
# the project's virtualenv option, see there). A toolchain cached before the wrapper holds the binary under the
# plugin's name: link it to its new name first, so the plugin name never goes missing for a concurrent run.
if [ -x "$bin/pulumi-language-python" ] && [ ! -x "$bin/pulumi-language-python-host" ] \
   && [ "$(head -c 2 "$bin/pulumi-language-python")" != "#!" ]; then
  ln -f "$bin/pulumi-language-python" "$bin/pulumi-language-python-host"
fi

if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-python-host" ] && [ -x "$bin/pulumi-language-python-exec" ] \
   && [ "$("$bin/pulumi" version 2>/dev/null)" = "v${CLI_VERSION}" ]; then
  install_launcher "$bin"
  install_yaml_host "$bin"
  echo "$bin"
  exit 0
fi

need_go
tmp="$bin.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
start=$(date +%s)
echo "building pulumi v${CLI_VERSION} and pulumi-language-python v${HOST_VERSION} (cold: ~5 min on 2 cores)..." >&2
(cd "$here/pulumi-cli" && go build -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${CLI_VERSION}" \
  -o "$tmp/" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
(cd "$here/pulumi-language-python" && go build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${HOST_VERSION}" \
  -o "$tmp/pulumi-language-python-host" github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python)
# The exec shim ships inside the sdk/v3 module of the CLI's version; the dynamic-provider launcher is ours.
sdk_dir="$(cd "$here/pulumi-cli" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$tmp/"
install_launcher "$tmp"
install_yaml_host "$tmp"
"$tmp/pulumi" version >/dev/null
rm -rf "$bin"; mkdir -p "$(dirname "$bin")"; mv "$tmp" "$bin"
echo "built in $(( $(date +%s) - start ))s" >&2
echo "$bin"
