# make run   - set up, build, decode the bundled samples and convert one with the CLI
# make test  - set up, build, run the GoogleTest suite and pytest (the tier to run after each change)
# make check - make test, then the sanitizer suite, the wheel test and the fuzz smoke (what CI runs)
# make wheel - the self-contained manylinux wheel in dist/ (scripts/build_wheel.py)
VENV ?= .venv
PY := $(VENV)/bin/python
CPP_BUILD := build/cpp

.PHONY: all bootstrap build build-cpp run test check test-cpp test-py test-slow test-wheel bench clean wheel \
	bootstrap-asan build-asan test-asan test-asan-cpp test-asan-py build-fuzz fuzz fuzz-smoke fuzz-long

all: build

bootstrap: $(VENV)/.bootstrapped

$(VENV)/.bootstrapped: pyproject.toml scripts/bootstrap.sh
	bash scripts/bootstrap.sh $(VENV)
	touch $@

# An editable install: Python code is served from python/, the extension is
# rebuilt incrementally in build/ by re-running this target.
# The GoogleTest suite is built in the same tree as the extension
# (MEDIAVIEW_TESTS=ON), so make test compiles the core and the codecs once.
build: bootstrap
	$(PY) -m pip install -q --no-build-isolation --no-deps -Ccmake.define.MEDIAVIEW_TESTS=ON -e .

# A wheel that carries its own libraries (issue 15): built in build/wheel,
# repaired by auditwheel into dist/mediaview-*-manylinux_2_*.whl, with the
# bundled libraries' Debian copyright files. tests/test_install.py runs the
# same script.
wheel: bootstrap
	$(PY) scripts/build_wheel.py --dist dist

build-cpp: bootstrap
	$(VENV)/bin/cmake -S . -B $(CPP_BUILD) -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) \
		-DMEDIAVIEW_PYTHON=OFF -DMEDIAVIEW_TESTS=ON >/dev/null
	$(VENV)/bin/cmake --build $(CPP_BUILD)

run: build
	$(PY) samples/demo.py

# build/<wheel tag>: the editable build's tree (pyproject.toml's build-dir).
test-cpp: build
	$(VENV)/bin/ctest --test-dir $$(dirname $$(ls build/cp3*/mediaview_cpp_tests | head -n 1)) --output-on-failure

# tests/test_install.py builds and repairs the wheel into a fresh venv: a
# packaging test, run by make check (test-wheel), not after every change.
test-py: build
	$(PY) -m pytest --ignore=tests/test_install.py -m "not slow"

# The tests marked slow (each over 20 s here: workers killed mid-batch, ten
# thousand calls' exporters freed): part of make check.
test-slow: build
	$(PY) -m pytest --ignore=tests/test_install.py -m slow

test-wheel: bootstrap
	$(PY) -m pytest tests/test_install.py

# The two tiers: make test after each change (build, GoogleTest, pytest);
# make check for everything, as CI runs it.
test: test-cpp test-py

check: test test-slow test-asan test-wheel fuzz-smoke

# ---- hardening: sanitizers and fuzzers (issue 5) ----------------------------
# Everything here is built by clang in its own build directory, with the
# sanitized core shared by nothing else: build/asan-cpp (GoogleTest), build/asan
# (the extension, installed into $(ASAN_VENV)) and build/fuzz (libFuzzer).
ASAN_VENV ?= .venv-asan
ASAN_PY := $(ASAN_VENV)/bin/python
SANITIZE ?= address,undefined
CLANG_ENV := CC=clang CXX=clang++
ASAN_RUNTIME = $(shell clang++ -print-file-name=libclang_rt.asan-x86_64.so)
# The interpreter is not instrumented: the ASan runtime is preloaded into it.
# PYTHONMALLOC=malloc sends every Python object through ASan's allocator, so
# a freed exporter or buffer is poisoned instead of recycled by pymalloc.
# detect_leaks=0: CPython leaves much of its own memory for the OS at exit and
# LeakSanitizer would report it on every run; leaks in our code are covered by
# LSan in the C++ and fuzz runs (no interpreter) and by tests/test_lifetime.py.
ASAN_RUN_ENV = LD_PRELOAD=$(ASAN_RUNTIME) PYTHONMALLOC=malloc \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_init_order=1:detect_stack_use_after_return=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# fuzz/lsan.supp: leaks inside Debian's libraries (documented there).
LSAN_RUN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1 \
	LSAN_OPTIONS=suppressions=$(abspath fuzz/lsan.supp):print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

bootstrap-asan: $(ASAN_VENV)/.bootstrapped

$(ASAN_VENV)/.bootstrapped: pyproject.toml scripts/bootstrap_asan.sh | bootstrap
	bash scripts/bootstrap_asan.sh $(ASAN_VENV)
	touch $@

# A regular (non-editable) install of the sanitized build: pytest in
# $(ASAN_VENV) imports only it, never the editable build of $(VENV).
build-asan: bootstrap-asan
	$(CLANG_ENV) $(ASAN_PY) -m pip install -q --no-build-isolation --no-deps --force-reinstall . \
		-Cbuild-dir=build/asan -Ccmake.build-type=RelWithDebInfo \
		-Ccmake.define.MEDIAVIEW_SANITIZE=$(SANITIZE)

test-asan-cpp: bootstrap
	$(CLANG_ENV) $(VENV)/bin/cmake -S . -B build/asan-cpp -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEDIAVIEW_PYTHON=OFF -DMEDIAVIEW_TESTS=ON \
		-DMEDIAVIEW_SANITIZE=$(SANITIZE) >/dev/null
	$(VENV)/bin/cmake --build build/asan-cpp
	$(LSAN_RUN_ENV) $(VENV)/bin/ctest --test-dir build/asan-cpp --output-on-failure

# test_install.py is left out: it builds the repaired wheel (make wheel) into
# a fresh venv, which tests packaging, not the sanitized code.
# The tests marked slow run once, in the plain build (make test-slow): under
# ASan they alone would take a quarter of CI's time.
test-asan-py: build-asan
	$(ASAN_RUN_ENV) $(ASAN_PY) -m pytest -q -p no:cacheprovider --ignore=tests/test_install.py -m "not slow"

test-asan: test-asan-cpp test-asan-py

# ---- fuzzing ----------------------------------------------------------------
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_TARGETS = $(patsubst fuzz/%.cpp,%,$(wildcard fuzz/fuzz_*.cpp))

build-fuzz: bootstrap
	$(CLANG_ENV) $(VENV)/bin/cmake -S . -B build/fuzz -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEDIAVIEW_PYTHON=OFF -DMEDIAVIEW_FUZZ=ON \
		-DMEDIAVIEW_SANITIZE=$(SANITIZE) >/dev/null
	$(VENV)/bin/cmake --build build/fuzz

# Every libFuzzer target for FUZZ_SECONDS each (seeds from samples/ and
# ../shared/corpus, working corpora in build/fuzz/corpus), then atheris over
# the Python API for FUZZ_SECONDS. atheris runs in $(VENV), not under the
# preloaded ASan runtime: that runtime supplies the coverage callbacks in
# place of atheris' libFuzzer and its Python coverage goes blind. Its finds
# are replayed under ASan by make test-asan (tests/test_regressions.py).
fuzz: build-fuzz build
	$(LSAN_RUN_ENV) nice $(PY) fuzz/run.py --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)
	nice $(PY) fuzz/fuzz_python.py --seconds $(FUZZ_SECONDS)

# The long run that makes the kept corpora grow: every target for
# FUZZ_SECONDS on fuzz/corpus/<target>/ (with the seeds), then what it found
# merged back with -merge=1 (minimised; commit fuzz/corpus/ afterwards).
fuzz-long: build-fuzz
	$(LSAN_RUN_ENV) nice $(PY) fuzz/run.py --seconds $(FUZZ_SECONDS) --merge $(FUZZ_TARGETS)

# What make test runs: each target replays tests/regressions, then fuzzes
# briefly, so CI keeps every harness alive.
fuzz-smoke: build-fuzz build
	$(LSAN_RUN_ENV) nice $(PY) fuzz/run.py --seconds $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)
	nice $(PY) fuzz/fuzz_python.py --seconds $(FUZZ_SMOKE_SECONDS)

bench: build
	$(PY) bench/bench_jpeg.py
	$(PY) bench/bench_png.py
	$(PY) bench/bench_webp.py
	$(PY) bench/bench_audio.py
	$(PY) bench/bench_flac.py
	$(PY) bench/bench_resample.py
	$(PY) bench/bench_batch.py
	$(PY) bench/bench_dask.py
	$(PY) bench/bench_torch.py

clean:
	rm -rf build $(VENV) $(ASAN_VENV) python/mediaview/*.so
