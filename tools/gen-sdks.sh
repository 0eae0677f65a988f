#!/usr/bin/env bash
# Write the Python, Node.js and Go SDKs of our four provider plugins into <outdir>/<vendor>/<language>.
#
#   tools/gen-sdks.sh <outdir> [languages]     languages: comma-separated, default python,nodejs,go
#
# Each schema is the one the installed plugin serves (`pulumi package get-schema $(command -v
# pulumi-resource-<vendor>)`, the entry points of `pip install -e .`), saved as <outdir>/<vendor>/schema.json. The
# SDKs come from pulumi-gen-sdk (tools/pulumi-gen-sdk), not `pulumi package gen-sdk`, whose GeneratePackage RPC our
# language hosts lack (docs/native-toolchain.md). Before generating, two things the codegen needs are set in a copy
# of the schema (the plugin's own stays as served):
#   - language.python.respectSchemaVersion: the Python SDK's version is the schema's, not 0.0.0;
#   - the Node.js package.json gets the schema's version for the `${VERSION}` placeholder codegen writes there
#     (release tooling normally substitutes it), so `npm pack`/`npm install` of the SDK work as is.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 <outdir> [python,nodejs,go]" >&2
  exit 2
fi
out=$1
IFS=, read -r -a languages <<< "${2:-python,nodejs,go}"
for lang in "${languages[@]}"; do
  case $lang in python|nodejs|go) ;; *) echo "$0: unknown language '$lang' (python, nodejs, go)" >&2; exit 2 ;; esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$("$root/tools/build.sh")"
mkdir -p "$out"
# get-schema starts the plugin through the engine: keep it offline and away from the user's ~/.pulumi.
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_HOME="${PULUMI_HOME:-$out/.pulumi-home}"
export PATH="$bin:$root/.venv/bin:$PATH"

# json_edit <in> <out> <python statement on d>: rewrites a JSON file (python3, as jq may be missing); prints the
# schema version (d["version"]) it read.
json_edit() {
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
text = json.dumps(d, indent=4) + "\n"
open(sys.argv[2], "w").write(text)
print(d.get("version", ""))' "$@"
}

for vendor in thrive sonarly unleashx batch; do
  plugin="$(command -v "pulumi-resource-$vendor")" || {
    echo "$0: pulumi-resource-$vendor is not on PATH (run scripts/bootstrap, which does pip install -e .)" >&2
    exit 1
  }
  dir="$out/$vendor"
  mkdir -p "$dir"
  "$bin/pulumi" package get-schema "$plugin" > "$dir/schema.json"
  version="$(json_edit "$dir/schema.json" "$dir/schema.codegen.json" 'd.setdefault("language", {}).setdefault("python", {})["respectSchemaVersion"] = True')"
  for lang in "${languages[@]}"; do
    rm -rf "${dir:?}/$lang"
    "$bin/pulumi-gen-sdk" -language "$lang" -schema "$dir/schema.codegen.json" -out "$dir/$lang" >/dev/null
    if [ "$lang" = nodejs ]; then
      json_edit "$dir/nodejs/package.json" "$dir/nodejs/package.json" 'd["version"] = sys.argv[4]' "$version" >/dev/null
    fi
    echo "$vendor $version $lang: $(find "$dir/$lang" -type f | wc -l) files in $dir/$lang"
  done
done
