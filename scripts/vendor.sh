#!/usr/bin/env bash
# Copies the console's front-end libraries from npm into the repository, so that
# running and testing the app stays Python-only (no build step, no CDN).
#
#   ./scripts/vendor.sh        # after changing web/package.json (then commit the result)
#
# Pinned in web/package.json and web/package-lock.json. The ES module builds go to
# backend/app/web/static/vendor/ with their bare imports ("preact", "preact/hooks",
# "@preact/signals-core") rewritten to relative paths, since the page's CSP allows
# no inline import map. axe-core goes to backend/tests/web/vendor/ for the tests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
web="$root/web"
out="$root/backend/app/web/static/vendor"
tests="$root/backend/tests/web/vendor"

(cd "$web" && npm ci --ignore-scripts --no-audit --no-fund)
mods="$web/node_modules"
rm -rf "$out" "$tests"
mkdir -p "$out/licenses" "$tests"

rewrite() {  # rewrite() SRC DEST: copy one ES module, bare imports made relative
  sed -e 's#from"preact/hooks"#from"./preact-hooks.js"#g' \
      -e 's#from"preact"#from"./preact.js"#g' \
      -e 's#from"@preact/signals-core"#from"./signals-core.js"#g' \
      -e '/^\/\/# sourceMappingURL=/d' "$1" > "$2"
}
rewrite "$mods/preact/dist/preact.mjs" "$out/preact.js"
rewrite "$mods/preact/hooks/dist/hooks.mjs" "$out/preact-hooks.js"
rewrite "$mods/@preact/signals-core/dist/signals-core.mjs" "$out/signals-core.js"
rewrite "$mods/@preact/signals/dist/signals.mjs" "$out/signals.js"
rewrite "$mods/htm/dist/htm.mjs" "$out/htm.js"
cp "$mods/preact/LICENSE" "$out/licenses/preact.txt"
cp "$mods/htm/LICENSE" "$out/licenses/htm.txt"
cp "$mods/@preact/signals/LICENSE" "$out/licenses/preact-signals.txt"
cp "$mods/@preact/signals-core/LICENSE" "$out/licenses/preact-signals-core.txt"

# Versions, for whoever reads the vendor folder without the lock file.
node -e '
const lock = require(process.argv[1]).packages;
for (const name of ["preact", "htm", "@preact/signals", "@preact/signals-core", "axe-core"])
  console.log(`${name} ${lock["node_modules/" + name].version}`);
' "$web/package-lock.json" > "$out/VERSIONS.txt"

cp "$mods/axe-core/axe.min.js" "$tests/axe.min.js"
cp "$mods/axe-core/LICENSE" "$tests/axe-core-LICENSE.txt"
grep axe-core "$out/VERSIONS.txt" > "$tests/VERSIONS.txt"
sed -i '/axe-core/d' "$out/VERSIONS.txt"
echo "vendored into $out and $tests"
