#!/usr/bin/env bash
# Build the real `pulumi` CLI and Python language host from Go modules (no prebuilt downloads) and
# install them, with the language host's exec shim from the Pulumi SDK module and our Python runtime scripts
# (tools/python-runtime, among them the `pulumi-language-python` wrapper the engine starts), into a cache keyed by
# version.
# Prints the bin directory on stdout. Safe to rerun: a complete cache is reused.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
modver() { awk -v m="$2" '($1 == m || ($1 == "require" && $2 == m)) { v = ($1 == m) ? $2 : $3; sub(/^v/, "", v); print v; exit }' "$1"; }
CLI_VERSION="$(modver "$here/pulumi-cli/go.mod" github.com/pulumi/pulumi/pkg/v3)"
HOST_VERSION="$(modver "$here/pulumi-language-python/go.mod" github.com/pulumi/pulumi/sdk/v3)"
[ -n "$CLI_VERSION" ] && [ -n "$HOST_VERSION" ] || { echo "build.sh: cannot read versions from go.mod" >&2; exit 1; }

cache_root="${AUDIENCE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/audience-providers}"
bin="$cache_root/pulumi-v${CLI_VERSION}-lh${HOST_VERSION}/bin"

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
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: Go is required (go 1.25+) to build the Pulumi CLI" >&2; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
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
"$tmp/pulumi" version >/dev/null
rm -rf "$bin"; mkdir -p "$(dirname "$bin")"; mv "$tmp" "$bin"
echo "built in $(( $(date +%s) - start ))s" >&2
echo "$bin"
