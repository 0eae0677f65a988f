# Source me: puts the project's pulumi toolchain and virtualenv on PATH and keeps the CLI offline.
# Used by scripts/pulumi, scripts/up-local, scripts/test and the e2e tests.
AUDIENCE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AUDIENCE_ROOT
AUDIENCE_PULUMI_BIN="$("$AUDIENCE_ROOT/tools/build.sh")" || return 1 2>/dev/null || exit 1
export AUDIENCE_PULUMI_BIN
export PATH="$AUDIENCE_PULUMI_BIN:$AUDIENCE_ROOT/.venv/bin:$PATH"
# The language host and dynamic provider run $AUDIENCE_PYTHON through tools/python-runtime/pulumi-python-cmd.
export AUDIENCE_PYTHON="$AUDIENCE_ROOT/.venv/bin/python"
export PULUMI_PYTHON_CMD="$AUDIENCE_PULUMI_BIN/pulumi-python-cmd"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_HOME="${PULUMI_HOME:-$AUDIENCE_ROOT/.pulumi-home}"
# Local file backend inside the project (git-ignored); override PULUMI_BACKEND_URL for S3 etc.
# metadata=skip: no `.attrs` sidecar per state file, the one write of the file backend a SIGKILL can tear
# (docs/recovery.md, "An unreadable checkpoint").
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$AUDIENCE_ROOT/.pulumi-state?metadata=skip}"
mkdir -p "$AUDIENCE_ROOT/.pulumi-state"
# The documented passphrase protects the `local` stack's demo secrets only; real stacks set their own.
if [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE="local-emulators-only"
fi
# AUDIENCE_EMULATOR_PORT_BASE (default 18081) moves the emulators to base..base+3 (emulators/server.py), e.g. for a
# second checkout on the same machine. stacks/Pulumi.local.yaml names the default ports, so for another base the
# `local` stack's up/preview/refresh/destroy (scripts/pulumi, scripts/up-local) read a copy with the ports rewritten.
export AUDIENCE_EMULATOR_PORT_BASE="${AUDIENCE_EMULATOR_PORT_BASE:-18081}"
unset AUDIENCE_LOCAL_CONFIG_FILE
if [ "$AUDIENCE_EMULATOR_PORT_BASE" != 18081 ]; then
  AUDIENCE_LOCAL_CONFIG_FILE="$AUDIENCE_ROOT/.pulumi-audience-cache/Pulumi.local.ports-$AUDIENCE_EMULATOR_PORT_BASE.yaml"
  mkdir -p "$(dirname "$AUDIENCE_LOCAL_CONFIG_FILE")"
  _b=$AUDIENCE_EMULATOR_PORT_BASE
  sed -e "s#127\.0\.0\.1:18081/#127.0.0.1:$_b/#" -e "s#127\.0\.0\.1:18082/#127.0.0.1:$((_b + 1))/#" \
      -e "s#127\.0\.0\.1:18083/#127.0.0.1:$((_b + 2))/#" -e "s#127\.0\.0\.1:18084/#127.0.0.1:$((_b + 3))/#" \
      "$AUDIENCE_ROOT/stacks/Pulumi.local.yaml" > "$AUDIENCE_LOCAL_CONFIG_FILE.$$"
  mv -f "$AUDIENCE_LOCAL_CONFIG_FILE.$$" "$AUDIENCE_LOCAL_CONFIG_FILE"
  unset _b
  export AUDIENCE_LOCAL_CONFIG_FILE
fi
