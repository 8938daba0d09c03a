# The commands a developer runs. Each installs what is missing first (apt-get), then builds.
#   make demo    build Release and run the demo
#   make test    the whole test suite: ASan+UBSan, TSan (threaded tests), Release, install,
#                and a bounded libFuzzer run of the HTTP parser
#   make bench   build Release and run bench-spec.md's workloads beside the peers
# Build trees live under build/. JOBS sets the build's parallelism (default: cores).

JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST := ctest --output-on-failure --timeout 900 -j $(JOBS)
# Sanitized builds are optimised (-O2 -g): faster tests, and the same code paths as Release.
SANITIZED := -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCORIO_BUILD_BENCH=OFF -DCORIO_BUILD_EXAMPLES=OFF

.PHONY: deps demo test test-asan test-tsan test-release test-install test-fuzz bench clean

deps:
	@bash third_party/install_deps.sh

build/release/Makefile: | deps
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCORIO_WERROR=ON $(CMAKE_FLAGS)

demo: deps build/release/Makefile
	cmake --build build/release -j $(JOBS) --target demo
	./build/release/examples/demo

test: deps test-asan test-tsan test-release test-install test-fuzz
	@echo "corio: every test suite passed"

test-asan: deps
	cmake -S . -B build/asan $(SANITIZED) -DCORIO_SANITIZER="address;undefined" -DCORIO_WERROR=ON $(CMAKE_FLAGS)
	cmake --build build/asan -j $(JOBS)
	cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $(CTEST)

test-tsan: deps
	cmake -S . -B build/tsan $(SANITIZED) -DCORIO_SANITIZER=thread -DCORIO_WERROR=ON $(CMAKE_FLAGS)
	cmake --build build/tsan -j $(JOBS)
	cd build/tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" setarch -R $(CTEST) -L threads

test-release: deps build/release/Makefile
	cmake --build build/release -j $(JOBS)
	cd build/release && $(CTEST)

test-install: deps build/release/Makefile
	bash tests/install/run.sh build/release

test-fuzz: deps
	bash tests/fuzz/run.sh build/fuzz 200000

bench: deps build/release/Makefile
	cmake --build build/release -j $(JOBS)
	bash bench/run_all.sh build/release/bench

clean:
	rm -rf build
