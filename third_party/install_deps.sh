#!/usr/bin/env bash
# Installs the Debian packages corio builds, tests and benchmarks with, when they are
# missing. Safe to run again: it installs nothing that is already there.
#   bash third_party/install_deps.sh            library, tests, benchmarks and peers
set -euo pipefail

packages=(
  g++ cmake make                 # toolchain
  libtbb-dev                     # oneTBB: compute()
  libconcurrentqueue-dev         # moodycamel ConcurrentQueue: the global run queue
  libabsl-dev                    # Abseil
  libmimalloc-dev                # mimalloc: coroutine frame memory
  libgtest-dev libgmock-dev      # GoogleTest
  libbenchmark-dev               # Google Benchmark: bench/micro
  libasio-dev                    # standalone Asio: the peer in bench/peers
  wrk                            # HTTP load generator for B8
  clang libclang-rt-14-dev       # libFuzzer for tests/fuzz
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "corio: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "corio: need root (or sudo) to run: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
