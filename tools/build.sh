#!/usr/bin/env bash
# Build the real `pulumi` CLI and the Python, YAML, Node.js and Go language hosts from Go modules (no prebuilt
# downloads) and install them, with the Python language host's exec shim from the Pulumi SDK module and our Python
# runtime scripts (tools/python-runtime, among them the `pulumi-language-python` wrapper the engine starts), into a
# cache keyed by version.
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

need_go() {
  command -v go >/dev/null || { echo "build.sh: Go is required (go 1.25+) to build the Pulumi CLI" >&2; exit 1; }
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
}

# The other language hosts (YAML, Node.js, Go) and our SDK generator: one line each, "name|module whose version
# names it|package|variable the linker sets to v<version> (- for none)". Each has its own tools/<name>/go.mod and its
# own cache dir keyed by its version (and, for our own source, a hash of it), so a toolchain cached before it (or
# after a bump of that one alone) gets it built and added to bin/ without rebuilding pulumi, and a pulumi bump doesn't
# rebuild them. Why these versions: docs/native-toolchain.md.
sdkver=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
extra_hosts="pulumi-language-yaml|github.com/pulumi/pulumi-yaml|github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml|github.com/pulumi/pulumi-yaml/pkg/version.Version
pulumi-language-nodejs|github.com/pulumi/pulumi/sdk/v3|github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs|$sdkver
pulumi-language-go|github.com/pulumi/pulumi/sdk/v3|github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go|$sdkver
pulumi-gen-sdk|github.com/pulumi/pulumi/pkg/v3|.|-"

# Builds (once per version) and copies each extra host into bin/ $1 (temp file + mv, atomic): the engine finds
# language hosts next to `pulumi` without the "using ... from $PATH" warning it prints for hosts found on PATH.
install_extra_hosts() {
  local name mod pkg var ver dir tmp start ldflags
  while IFS='|' read -r name mod pkg var; do
    ver="$(modver "$here/$name/go.mod" "$mod")"
    [ -n "$ver" ] || { echo "build.sh: cannot read the $mod version from tools/$name/go.mod" >&2; exit 1; }
    dir="$cache_root/$name-v$ver"
    if compgen -G "$here/$name/*.go" >/dev/null; then
      dir="$dir-$(cat "$here/$name"/*.go "$here/$name/go.sum" | sha256sum | cut -c1-12)"
    fi
    if [ ! -x "$dir/$name" ]; then
      need_go
      tmp="$dir.tmp.$$"; start=$(date +%s)
      rm -rf "$tmp"; mkdir -p "$tmp"
      echo "building $name v$ver (cold: ~2 min on 2 cores)..." >&2
      # Flags as in the upstream release builds (pulumi-yaml's .goreleaser.yml, pulumi's), plus -trimpath.
      ldflags="-s -w"; [ "$var" = - ] || ldflags="$ldflags -X $var=v$ver"
      (cd "$here/$name" && go build -trimpath -ldflags "$ldflags" -o "$tmp/$name" "$pkg")
      # A concurrent run may have finished first: keep its copy (mv -T refuses a non-empty target).
      mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
      echo "built $name in $(( $(date +%s) - start ))s" >&2
    fi
    if ! cmp -s "$dir/$name" "$1/$name"; then
      install -m 0755 "$dir/$name" "$1/.$name.$$"
      mv -f "$1/.$name.$$" "$1/$name"
    fi
  done <<< "$extra_hosts"
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
  install_extra_hosts "$bin"
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
install_extra_hosts "$tmp"
"$tmp/pulumi" version >/dev/null
rm -rf "$bin"; mkdir -p "$(dirname "$bin")"; mv "$tmp" "$bin"
echo "built in $(( $(date +%s) - start ))s" >&2
echo "$bin"
