#!/usr/bin/env bash
# prove_equivalence against hostile surroundings (issue 14), each check one line of the result:
# planted links are never written through, a full disk leaves the old file and no temporary,
# SIGTERM stops a sweep in any phase with its partial counts, control characters and huge
# arguments are echoed on one short line.
set -u
program=$1
work=$(mktemp -d)
trap 'umount "$work/full" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
passed=0 failed=0
check() {  # NAME CONDITION...
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
one_line() { [[ $(wc -l <"$1") -eq 1 && $(wc -c <"$1") -lt 600 ]]; }

# A link planted where the output goes: refused, its target untouched.
echo precious >victim
ln -s victim planted.svg
"$program" 5 3 --svg planted.svg >/dev/null 2>err.txt
check "planted link refused" test $? -eq 2
check "planted link's target untouched" grep -qx precious victim
check "planted link still a link" test -L planted.svg
check "planted link error is one line" one_line err.txt

# A normal write leaves only its file.
mkdir clean
"$program" 10 4 --smt2 clean/q.smt2 >/dev/null 2>&1
check "smt2 written" test -s clean/q.smt2
check "no temporary beside it" test "$(ls -A clean)" = q.smt2

# A full disk (a 64 KiB tmpfs, filled): exit 2, the old file intact, no temporary left.
mkdir full
if mount -t tmpfs -o size=64k tmpfs full 2>/dev/null; then
  echo old >full/q.smt2
  dd if=/dev/zero of=full/filler bs=4k 2>/dev/null  # until the disk is full
  "$program" 10 4 --smt2 full/q.smt2 >/dev/null 2>err.txt
  status=$?
  check "full disk is exit 2" test "$status" -eq 2
  check "full disk error names the file" grep -q "cannot write 'full/q.smt2'" err.txt
  check "full disk keeps the old file" grep -qx old full/q.smt2
  check "full disk leaves no temporary" test "$(ls -A full | tr '\n' ' ')" = "filler q.smt2 "
  umount full
else
  echo "SKIP part: mounting a tmpfs is not allowed here (not root or no CAP_SYS_ADMIN)"
fi

# SIGTERM during a sweep: partial counts and 130, like SIGINT.
"$program" --sweep 1:400 1:400 --threads 1 >sweep.txt 2>/dev/null &
pid=$!
sleep 2
kill -TERM "$pid"
wait "$pid"
check "SIGTERM stops a sweep with 130" test $? -eq 130
check "SIGTERM prints partial counts" grep -q "(interrupted)" sweep.txt

# A huge range starts at once (nothing listed first) and stops on SIGINT within a second.
"$program" --sweep 100000 --threads 2 >huge.txt 2>/dev/null &
pid=$!
sleep 1
kill -INT "$pid"
for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "a huge sweep stops on SIGINT" bash -c "! kill -0 $pid 2>/dev/null"
wait "$pid"
check "a huge sweep exits 130" test $? -eq 130
check "a huge sweep had begun checking" grep -q "checked [1-9]" huge.txt

# Control characters and a 130 KB argument: one short line.
"$program" $'5\n3' 3 >/dev/null 2>err.txt
check "newline in an argument is exit 2" test $? -eq 2
check "newline in an argument stays on one line" one_line err.txt
"$program" "$(head -c 130000 /dev/zero | tr '\0' 7)" 3 >/dev/null 2>err.txt
check "huge argument is exit 2" test $? -eq 2
check "huge argument is one short line" one_line err.txt

echo "$passed passed, $failed failed"
((failed == 0))
