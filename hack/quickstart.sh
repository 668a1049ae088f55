#!/usr/bin/env bash
# The README's first command: on a fresh Debian 12 machine (as root, with Go 1.26 on PATH) it
# installs QEMU, squashfs-tools and a C toolchain (for runc), builds cairnctl, kubectl and the image (the pinned Debian
# kernel is fetched with apt-get and checked against its sha256), boots a Kubernetes cluster of
# one control plane and one worker under QEMU, merges its admin kubeconfig into $KUBECONFIG or
# ~/.kube/config and prints what to run next (cluster create's list). CLUSTER_NAME (default "cairn") names the
# cluster and its context.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
name=${CLUSTER_NAME:-cairn}

if [ "$(id -u)" != 0 ]; then
  echo "quickstart: run as root (the cluster's network namespace and taps need it)" >&2
  exit 1
fi
command -v go >/dev/null || { echo "quickstart: Go 1.26 is not on PATH" >&2; exit 1; }

echo "== installing host packages (qemu-system-x86, ovmf for cluster create --boot disk, squashfs-tools; gcc, libc6-dev and pkg-config for the static runc)"
apt-get update -qq
apt-get install -y -qq --no-install-recommends qemu-system-x86 ovmf squashfs-tools dpkg make git ca-certificates gcc libc6-dev pkg-config >/dev/null

echo "== building cairnctl"
make build

echo "== building the image (the first build compiles Kubernetes, etcd, containerd, runc, the CNI plugins and CoreDNS from source: about 20 minutes on 2 cores; later ones take them from _cache)"
_out/cairnctl image build

echo "== building kubectl from the pinned Kubernetes module (it shares the image build's Go cache)"
make kubectl

if _out/cairnctl cluster show --name "$name" >/dev/null 2>&1; then
  echo "== replacing the existing cluster $name"
  _out/cairnctl cluster destroy --name "$name"
fi
echo "== creating the cluster $name: one control plane and one worker running Kubernetes (under QEMU's software emulation this takes several minutes)"
# cluster create ends with the next steps (export PATH, then what to run): the only such list.
_out/cairnctl cluster create --name "$name" --workers 1 --wait 30m
