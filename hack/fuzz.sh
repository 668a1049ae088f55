#!/usr/bin/env bash
# Runs every fuzz test in the module for the given time each (default 10s), one at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-10s}
n=0
while IFS= read -r line; do
  file=${line%%:*}
  name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]*)\(.*/\1/' <<<"$line")
  pkg=$(dirname "$file")
  echo "fuzz $pkg $name for $t"
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" "$pkg"
  n=$((n+1))
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . | sort)
echo "fuzz: $n fuzz tests ran for $t each"
