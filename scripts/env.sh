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
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$AUDIENCE_ROOT/.pulumi-state}"
mkdir -p "$AUDIENCE_ROOT/.pulumi-state"
# The documented passphrase protects the `local` stack's demo secrets only; real stacks set their own.
if [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE="local-emulators-only"
fi
