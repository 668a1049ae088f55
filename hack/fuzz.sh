#!/usr/bin/env bash
# Runs every fuzz test in the module for the given time each (default 10s), one at a time.
#
# Go 1.26's fuzz coordinator can end a duration-bounded run with a bare "context deadline
# exceeded" when a worker is mid-execution as -fuzztime expires (golang/go#75804, fixed in
# Go 1.27). That is not a finding: a finding prints "Failing input written to" and leaves a
# file under testdata/fuzz. Such a bare failure is run once more; anything else fails at once.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-10s}
n=0 retried=0
log=$(mktemp); trap 'rm -f "$log"' EXIT

run() { go test -run '^$' -fuzz "^$2\$" -fuzztime "$t" "$1" 2>&1 | tee "$log"; return "${PIPESTATUS[0]}"; }

bare_deadline() {
  grep -q 'context deadline exceeded' "$log" &&
    ! grep -qE 'Failing input written to|panic:|_test\.go:[0-9]+:' "$log"
}

while IFS= read -r line; do
  file=${line%%:*}
  name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]*)\(.*/\1/' <<<"$line")
  pkg=$(dirname "$file")
  echo "fuzz $pkg $name for $t"
  if ! run "$pkg" "$name"; then
    if bare_deadline; then
      echo "fuzz: $name ended on the coordinator's deadline race with no finding; running it once more"
      retried=$((retried+1))
      run "$pkg" "$name"
    else
      exit 1
    fi
  fi
  n=$((n+1))
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . | sort)
echo "fuzz: $n fuzz tests ran for $t each ($retried rerun after the deadline race)"
