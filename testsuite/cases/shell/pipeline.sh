# busybox sh forking and executing: a pipeline of three busybox processes, a
# command substitution, a subshell's exit status, a redirection to a file
# in the working directory, and xargs and find -exec reporting a program
# that is not there (their vfork child stores the errno for the parent).
set -u
n=$(busybox seq 1 1000 | busybox grep 7 | busybox wc -l)
echo "numbers with a 7 in 1..1000: $n"
(exit 5)
echo "subshell status: $?"
busybox seq 1 5 > five.txt
echo "lines in five.txt: $(busybox wc -l < five.txt)"
echo a | busybox xargs no-such-program-here 2>&1
echo "xargs status: $?"
busybox find five.txt -exec no-such-program-here {} \; 2>&1
echo "find status: $?"
busybox rm five.txt
if busybox false; then echo "false succeeded"; else echo "false failed as it should"; fi
exit 3
