#!/usr/bin/env bash
# Build OpenTofu and the Mastercard restapi provider from Go modules (no prebuilt downloads) for the
# comparison benchmark, into a cache keyed by both versions (same pattern as tools/build.sh).
# Prints the bin directory on stdout; timings go to stderr. Safe to rerun: a complete cache is reused.
#
#   bin/tofu                                   the OpenTofu CLI
#   bin/terraform-provider-restapi_v<version>  the provider, the directory named by dev_overrides
#
# Versions come from the wrapper go.mod files next to this script. Both are versions the Go module proxy
# here serves and whose own go.mod has no replace directives (a dependency's replace directives are
# ignored when it is built from another module, so a version that needs them would build differently):
#   OpenTofu v1.6.3 is the newest such release: from v1.7.0 on, opentofu/opentofu's go.mod replaces
#   hashicorp/hcl/v2 with the opentofu/hcl fork. restapi v1.20.0 is the newest version the proxy serves
#   (v1.19.x, v2.x are refused with 403 "not available").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
modver() { awk -v m="$2" '($1 == m || ($1 == "require" && $2 == m)) { v = ($1 == m) ? $2 : $3; sub(/^v/, "", v); print v; exit }' "$1"; }
TOFU_VERSION="$(modver "$here/opentofu/go.mod" github.com/opentofu/opentofu)"
RESTAPI_VERSION="$(modver "$here/restapi/go.mod" github.com/Mastercard/terraform-provider-restapi)"
[ -n "$TOFU_VERSION" ] && [ -n "$RESTAPI_VERSION" ] || { echo "bench/tofu/build.sh: cannot read versions from go.mod" >&2; exit 1; }

cache_root="${AUDIENCE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/audience-providers}"
bin="$cache_root/tofu-v${TOFU_VERSION}-restapi${RESTAPI_VERSION}/bin"
provider="terraform-provider-restapi_v${RESTAPI_VERSION}"

# Read the whole output before comparing: `tofu version | head -1` under pipefail fails whenever tofu is
# still writing when head exits (SIGPIPE), which would rebuild a complete cache.
if [ -x "$bin/tofu" ] && [ -x "$bin/$provider" ]; then
  have="$(TF_CLI_CONFIG_FILE=/dev/null "$bin/tofu" version 2>/dev/null || true)"
  if [ "${have%%$'\n'*}" = "OpenTofu v${TOFU_VERSION}" ]; then
    echo "$bin"
    exit 0
  fi
fi

if ! command -v go >/dev/null; then
  for candidate in /usr/local/go/bin /usr/lib/go/bin; do
    [ -x "$candidate/go" ] && PATH="$candidate:$PATH" && break
  done
fi
command -v go >/dev/null || { echo "bench/tofu/build.sh: Go is required to build OpenTofu" >&2; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
tmp="$bin.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
echo "building OpenTofu v${TOFU_VERSION} and terraform-provider-restapi v${RESTAPI_VERSION}..." >&2
start=$(date +%s)
# dev=no drops the "-dev" suffix, as release builds do.
(cd "$here/opentofu" && go build -trimpath \
  -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
  -o "$tmp/tofu" github.com/opentofu/opentofu/cmd/tofu)
mid=$(date +%s)
echo "  tofu: $(( mid - start ))s" >&2
(cd "$here/restapi" && go build -trimpath -ldflags "-s -w" \
  -o "$tmp/$provider" github.com/Mastercard/terraform-provider-restapi)
echo "  restapi: $(( $(date +%s) - mid ))s" >&2
TF_CLI_CONFIG_FILE=/dev/null "$tmp/tofu" version >/dev/null
rm -rf "$bin"; mkdir -p "$(dirname "$bin")"; mv "$tmp" "$bin"
trap - EXIT
echo "built in $(( $(date +%s) - start ))s" >&2
echo "$bin"
