# make run   - set up, build, decode the bundled samples and convert one with the CLI
# make test  - set up, build, run every C++ and Python test
VENV ?= .venv
PY := $(VENV)/bin/python
CPP_BUILD := build/cpp

.PHONY: all bootstrap build build-cpp run test test-cpp test-py bench clean

all: build

bootstrap: $(VENV)/.bootstrapped

$(VENV)/.bootstrapped: pyproject.toml scripts/bootstrap.sh
	bash scripts/bootstrap.sh $(VENV)
	touch $@

# An editable install: Python code is served from python/, the extension is
# rebuilt incrementally in build/ by re-running this target.
build: bootstrap
	$(PY) -m pip install -q --no-build-isolation --no-deps -e .

build-cpp: bootstrap
	$(VENV)/bin/cmake -S . -B $(CPP_BUILD) -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) \
		-DMEDIAVIEW_PYTHON=OFF -DMEDIAVIEW_TESTS=ON >/dev/null
	$(VENV)/bin/cmake --build $(CPP_BUILD)

run: build
	$(PY) samples/demo.py

test-cpp: build-cpp
	$(VENV)/bin/ctest --test-dir $(CPP_BUILD) --output-on-failure

test-py: build
	$(PY) -m pytest

test: test-cpp test-py

bench: build
	$(PY) bench/bench_jpeg.py
	$(PY) bench/bench_audio.py

clean:
	rm -rf build $(VENV) python/mediaview/*.so
