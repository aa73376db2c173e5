#!/usr/bin/env bash
# Runs a command and notes how long it took: `scripts/lap.sh <name> <command...>` appends
# "<name> <seconds> <exit status>" to build/test-times.txt, which `make test` prints as its
# table of where the time went; exits with the command's status.
set -u
name=$1
shift
start=$(date +%s%N)
"$@"
status=$?
mkdir -p build
echo "$name $(( ($(date +%s%N) - start) / 1000000000 )) $status" >> build/test-times.txt
exit "$status"
