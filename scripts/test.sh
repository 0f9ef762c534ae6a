#!/bin/sh
# The project's test command: installs every dependency, builds (release and
# sanitizer builds, warnings as errors) and runs all tests: cmocka unit tests
# and the fuzz corpora under ASan/UBSan, 30 s of libFuzzer per target, then
# the functional suite (real neutrino-server built with ASan, real openstack
# CLI) and the system tests (namespaces, links, Open vSwitch; root).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Formatting is part of the build: .clang-format says how.
clang-format --dry-run --Werror src/*/*.c src/*/*.h tests/unit/*.c \
    tests/fuzz/*.c tests/fuzz/*.h tests/unit/*.h tests/system/*.c \
    bench/*.c
scripts/build.sh --asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
meson test -C build-asan --suite unit --suite fuzz --print-errorlogs
# A short fuzzing run of every target on top of the corpus replay above.
tests/fuzz/run.sh 30
NEUTRINO_SERVER="$PWD/build-asan/neutrino-server" \
NEUTRINO_AGENT="$PWD/build-asan/neutrino-agent" \
NEUTRINO_CLI="$PWD/build-asan/neutrino" \
NEUTRINO_HCLIENT_TOOL="$PWD/build-asan/tests/system/hclient-tool" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/func
# The API's integration tests (seed replay with the openstack CLI, bad
# input, concurrency, API semantics, security groups, subnet pools) again
# with every server on PostgreSQL:
# a private instance the tests start and remove (tests/func/conftest.py).
# test_multi_server.py, in the run above, puts three servers on one.
NEUTRINO_DB=postgresql \
NEUTRINO_SERVER="$PWD/build-asan/neutrino-server" \
NEUTRINO_CLI="$PWD/build-asan/neutrino" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/func/test_seed_cli.py \
    tests/func/test_bad_input.py tests/func/test_concurrency.py \
    tests/func/test_api.py tests/func/test_security_groups.py \
    tests/func/test_subnetpools.py
# As root, in namespaces (skipped otherwise): namespace test hosts with
# private OVS instances, src/nl, the OVS island and the agent end to end.
NEUTRINO_NLTOOL="$PWD/build-asan/tests/system/nl-tool" \
NEUTRINO_OVS_DRIVER="$PWD/build-asan/tests/system/ovs-driver" \
NEUTRINO_SERVER="$PWD/build-asan/neutrino-server" \
NEUTRINO_AGENT="$PWD/build-asan/neutrino-agent" \
NEUTRINO_CLI="$PWD/build-asan/neutrino" \
NEUTRINO_INSPECT="$PWD/build-asan/neutrino-inspect" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/system
