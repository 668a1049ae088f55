#!/usr/bin/env bash
# Regenerates the Go code for api/**/*.proto into pkg/machinery/api with protoc (Debian's
# protobuf-compiler) and the protoc-gen-go / protoc-gen-go-grpc versions pinned in go.mod.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
# The well-known types (timestamp.proto, duration.proto) come with Debian's libprotobuf-dev.
[ -f /usr/include/google/protobuf/timestamp.proto ] || { echo "google/protobuf/*.proto not found: apt-get install libprotobuf-dev" >&2; exit 1; }
bin=$(mktemp -d); trap 'rm -rf "$bin"' EXIT
go build -o "$bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
go build -o "$bin/protoc-gen-go-grpc" google.golang.org/grpc/cmd/protoc-gen-go-grpc
mapfile -t protos < <(find api -name '*.proto' | LC_ALL=C sort)
if ((${#protos[@]})); then
  find pkg/machinery/api -name '*.pb.go' -delete 2>/dev/null || true
  PATH="$bin:$PATH" protoc -I api \
    --go_out=pkg/machinery/api --go_opt=paths=source_relative \
    --go-grpc_out=pkg/machinery/api --go-grpc_opt=paths=source_relative \
    "${protos[@]}"
fi
if [ -d hack/docgen ]; then go run ./hack/docgen docs/config.md; fi
