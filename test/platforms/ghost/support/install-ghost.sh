#!/usr/bin/env bash
# Installs Ghost (the real server software) outside the repository, for test/platforms/ghost/real-ghost.test.ts,
# which skips itself when the install is absent. A plain `npm install ghost` fails on its bundled `file:`
# components; the packed tarball installs with its devDependencies dropped. Its database driver is compiled
# here but replaced by node:sqlite in the test (see support/preload.ts).
#
#   bash test/platforms/ghost/support/install-ghost.sh    # → ~/.cache/herald/ghost-<version>/package
set -euo pipefail
VERSION="${GHOST_VERSION:-6.65.0}"
CACHE="${HERALD_CACHE_DIR:-$HOME/.cache/herald}"
TARGET="$CACHE/ghost-$VERSION"
if [ -f "$TARGET/package/index.js" ]; then
  echo "Ghost $VERSION is already installed in $TARGET"
  exit 0
fi
mkdir -p "$CACHE"
WORK="$TARGET.partial"
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
npm pack "ghost@$VERSION" >/dev/null
tar xzf "ghost-$VERSION.tgz"
cd package
node -e "const f='package.json';const p=JSON.parse(require('fs').readFileSync(f,'utf8'));delete p.devDependencies;require('fs').writeFileSync(f,JSON.stringify(p,null,2))"
npm install --omit=dev --no-audit --no-fund --legacy-peer-deps
cd "$CACHE"
mv "$WORK" "$TARGET"
echo "Ghost $VERSION installed in $TARGET"
