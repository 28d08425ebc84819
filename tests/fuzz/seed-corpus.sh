#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets in OUT (default /tmp/rt-fuzz-corpus):
# OUT/<target>/ gets the matching golden files of ../shared/fixtures plus the
# minimised corpus checked in under tests/fuzz/corpus/<target>/ (if any).
# Usage: tests/fuzz/seed-corpus.sh [OUT]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
fixtures="${RT_FIXTURES_DIR:-$root/../shared/fixtures}"
out="${1:-/tmp/rt-fuzz-corpus}"
mkdir -p "$out"/{fuzz_json_reader,fuzz_v0_reader,fuzz_v1_reader,fuzz_ct_reader,fuzz_tracedir,fuzz_api,fuzz_toml,fuzz_filter}

copy() { # copy DEST FILES...: names made unique by their path
  local dest=$1; shift
  for f in "$@"; do
    install -m 644 "$f" "$dest/$(echo "${f#"$fixtures"/}" | tr '/' '_')"
  done
}
mapfile -t json < <(find "$fixtures" -name '*.json' ! -name 'trace_paths.json' ! -name 'trace_metadata.json')
mapfile -t small < <(find "$fixtures" -name 'trace_paths.json' -o -name 'trace_metadata.json')
mapfile -t v0 < <(find "$fixtures" -name '*.v0.bin' -o -name 'trace.v0.bin' -o -path '*/v0/trace.bin')
mapfile -t v1 < <(find "$fixtures" -name '*.v1.bin' -o -path '*/v1/trace.bin')
mapfile -t ct < <(find "$fixtures" -name '*.ct')
copy "$out/fuzz_json_reader" "${json[@]}"
copy "$out/fuzz_tracedir" "${small[@]}"
copy "$out/fuzz_v0_reader" "${v0[@]}"
copy "$out/fuzz_v1_reader" "${v1[@]}"
copy "$out/fuzz_ct_reader" "${ct[@]}"
# The API target reads its input as a program of calls: any bytes will do;
# the small fixtures give varied ones.
copy "$out/fuzz_api" "${small[@]}"
# The TOML and filter targets start from their checked-in corpus alone.
for t in fuzz_json_reader fuzz_v0_reader fuzz_v1_reader fuzz_ct_reader fuzz_tracedir fuzz_api fuzz_toml fuzz_filter; do
  if [ -d "$here/corpus/$t" ]; then
    cp "$here/corpus/$t"/* "$out/$t/" 2>/dev/null || true
  fi
  echo "$t: $(find "$out/$t" -type f | wc -l) seeds"
done
