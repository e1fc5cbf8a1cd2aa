# busybox sh forking and executing: a pipeline of three busybox processes, a
# command substitution, a subshell's exit status, and a redirection to a file
# in the working directory.
set -u
n=$(busybox seq 1 1000 | busybox grep 7 | busybox wc -l)
echo "numbers with a 7 in 1..1000: $n"
(exit 5)
echo "subshell status: $?"
busybox seq 1 5 > five.txt
echo "lines in five.txt: $(busybox wc -l < five.txt)"
busybox rm five.txt
if busybox false; then echo "false succeeded"; else echo "false failed as it should"; fi
exit 3
