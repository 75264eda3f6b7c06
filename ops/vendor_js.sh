#!/usr/bin/env bash
# Vendor the explorer's browser libraries (docs/explorer.md): fetch the pinned tarballs named in
# frontend/package-lock.json from the npm registry, check each against the lock's sha512
# integrity, and copy only the files the pages load, with their licences, into
# explorer/static/vendor/<package>-<version>/. The result is committed: `make run` and CI never
# need npm. Run it again after changing a version in frontend/package.json (then
# `npm install --package-lock-only --ignore-scripts` in frontend/ to update the lock).
set -euo pipefail
cd "$(dirname "$0")/.."

LOCK=frontend/package-lock.json
DEST=explorer/static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# package -> the files to keep (paths inside the tarball's package/ folder).
declare -A FILES=(
  [leaflet]="dist/leaflet.js dist/leaflet.css dist/images/layers.png dist/images/layers-2x.png dist/images/marker-icon.png dist/images/marker-icon-2x.png dist/images/marker-shadow.png LICENSE"
  [chart.js]="dist/chart.umd.min.js LICENSE.md"
  [topojson-client]="dist/topojson-client.min.js LICENSE"
  [world-atlas]="countries-110m.json LICENSE"
)

rm -rf "$DEST"
mkdir -p "$DEST"
for package in "${!FILES[@]}"; do
  read -r version integrity < <(python3 - "$LOCK" "$package" <<'PY'
import json, sys
entry = json.load(open(sys.argv[1]))["packages"]["node_modules/" + sys.argv[2]]
print(entry["version"], entry["integrity"])
PY
)
  (cd "$WORK" && npm pack --silent "$package@$version" >/dev/null)
  tarball=$(ls "$WORK"/*.tgz)
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "$package@$version: tarball integrity $actual differs from the lock's $integrity" >&2
    exit 1
  fi
  mkdir -p "$WORK/x" && tar -xzf "$tarball" -C "$WORK/x"
  target="$DEST/$package-$version"
  for file in ${FILES[$package]}; do
    mkdir -p "$target/$(dirname "${file#dist/}")"
    cp "$WORK/x/package/$file" "$target/${file#dist/}"
  done
  # Source maps are not shipped: drop their references, or collectstatic's manifest storage
  # would look for the missing .map files.
  find "$target" -name '*.js' -exec sed -i '/^\/\/# sourceMappingURL=/d' {} +
  rm -rf "$WORK/x" "$tarball"
  echo "$package@$version: integrity checked, $(echo ${FILES[$package]} | wc -w) files in $target"
done
