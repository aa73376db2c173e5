#!/usr/bin/env bash
# Runs commands at once, as lanes: `scripts/lanes.sh <name>=<command> ...` (each command run by
# bash). The first lane prints as it goes; the others write build/lane-<name>.log, printed after
# all have ended. Then one line with each lane's exit status; exits 1 if any lane failed.
set -u
mkdir -p build
names=()
for lane in "$@"; do
  name=${lane%%=*}
  names+=("$name")
  rm -f "build/lane-$name.status"
  if [ ${#names[@]} = 1 ]; then
    (bash -c "${lane#*=}"; echo $? > "build/lane-$name.status") &
  else
    (bash -c "${lane#*=}" > "build/lane-$name.log" 2>&1; echo $? > "build/lane-$name.status") &
  fi
done
wait
failed=0
summary=()
for name in "${names[@]}"; do
  [ "$name" = "${names[0]}" ] || cat "build/lane-$name.log"
  status=$(cat "build/lane-$name.status" 2>/dev/null || echo lost)
  summary+=("$name: exit $status")
  [ "$status" = 0 ] || failed=1
done
line=$(printf '%s, ' "${summary[@]}")
echo "lanes: ${line%, }"
exit $failed
