#!/usr/bin/env bash
# A shell for make that times each recipe line: `make test SHELL=scripts/timed-shell.sh` (the
# setting reaches the sub-makes) appends to build/shell-times.txt one line per command: the
# time it ended, its wall seconds, its exit status, the CPU seconds (user + sys) of the processes
# it waited for, and the command. Where make test's time goes, per command rather than per step.
start=$(date +%s%N)
/bin/bash "$@"
status=$?
end=$(date +%s%N)
# Fields 16 and 17 of /proc/<pid>/stat: the CPU ticks of this shell's waited-for children.
read -r -a stat < "/proc/$$/stat"
ticks=$(( stat[15] + stat[16] ))
hz=$(getconf CLK_TCK)
command=$(printf '%s' "${@: -1}" | tr '\n' ' ' | cut -c1-200)
mkdir -p build
printf '%s %d.%01d s %d cpu=%d.%02d s %s\n' "$(date +%T)" $(( (end - start) / 1000000000 )) \
  $(( (end - start) / 100000000 % 10 )) "$status" $(( ticks / hz )) $(( ticks * 100 / hz % 100 )) \
  "$command" >> build/shell-times.txt
exit $status
