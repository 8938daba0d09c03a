#!/usr/bin/env bash
# Builds the HTTP parser's libFuzzer target with clang (-fsanitize=fuzzer,address,undefined)
# and runs it for a bounded number of inputs from a small seed corpus. Exits non-zero when
# the build fails or the fuzzer finds a crash, a sanitizer report or a timeout.
#   usage: tests/fuzz/run.sh [build-dir] [runs]      (defaults: build/fuzz 200000)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/build/fuzz}"
runs="${2:-200000}"
cxx="${CLANGXX:-$(command -v clang++-14 || command -v clang++ || true)}"
if [[ -z "$cxx" ]]; then
  echo "error: clang++ not found (install Debian's clang, e.g. 'make deps')" >&2
  exit 2
fi

mkdir -p "$out/corpus" "$out/seeds"
"$cxx" -std=c++20 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root/examples" \
  "$root/tests/fuzz/http_parser_fuzz.cpp" "$root/examples/http/http_parser.cpp" \
  -o "$out/http_parser_fuzz"

# Seeds: a few well-formed messages (the first byte is the split point the target uses).
printf '\x05GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\n\r\n' > "$out/seeds/pipelined"
printf '\x20POST /p HTTP/1.0\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc' \
  > "$out/seeds/body"
printf '\x03HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' > "$out/seeds/response"

cd "$out"
if ! ./http_parser_fuzz -runs="$runs" -max_len=2048 -timeout=10 -print_final_stats=1 \
    corpus seeds > fuzz.log 2>&1; then
  tail -n 40 fuzz.log >&2
  echo "http_parser_fuzz: FAILED; log in $out/fuzz.log, reproducer in $out/crash-*" >&2
  exit 1
fi
tail -n 6 fuzz.log
echo "http_parser_fuzz: $runs runs, no failure"
