#!/usr/bin/env bash
# The API reference from the public headers' comments (Doxygen, from Debian), into
# build-docs/html/index.html. Fails when a public function has no documentation comment.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v doxygen >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends doxygen >/dev/null
fi
rm -rf build-docs
mkdir -p build-docs
doxygen docs/Doxyfile
undocumented=$(grep -E '\(function\) of file .* is not documented' build-docs/warnings.txt || true)
if [ -n "$undocumented" ]; then
  echo "Public functions without a documentation comment:"
  echo "$undocumented"
  exit 1
fi
echo "API reference: build-docs/html/index.html ($(grep -c . build-docs/warnings.txt || true) other warnings in build-docs/warnings.txt)"
