#!/usr/bin/env bash
# pkg/machinery is the public contract: it must never import internal/ packages, and it must build
# for every OS cairnctl supports.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
for os in linux darwin windows; do
  if deps=$(GOOS=$os go list -deps ./pkg/machinery/... 2>&1 | grep '^github.com/cairn-os/cairn/internal/'); then
    echo "pkg/machinery imports internal packages on $os:"; echo "$deps"; bad=1
  fi
  GOOS=$os go build ./pkg/machinery/... || bad=1
done
exit $bad
