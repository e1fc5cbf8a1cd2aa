# Debian's own dynamically linked tools, run by Debian's dash on the host's
# root: directory listings, sorting, find, and pipelines between them.
set -e
ls -la /etc
ls /usr/bin | sort -r | head -5
find /usr/share/common-licenses -type f | sort | head -5
find /usr/share -name '*.gz' | wc -l
printf 'pear\napple\nfig\napple\n' | sort | uniq -c | sort -rn
expr $(seq 1 5 | tr '\n' ' ' | sed 's/ / + /g') 0
cat /etc/passwd | cut -d: -f1 | sort | head -3
sh -c 'exit 7' || echo "child exit $?"
# ld.so's own view: libraries found through /etc/ld.so.cache, then through
# LD_LIBRARY_PATH, then ld.so run as a program (addresses are random).
ldd /bin/ls | sed 's/ (0x[0-9a-f]*)//'
LD_LIBRARY_PATH=/nonexistent:/usr/lib/x86_64-linux-gnu LD_TRACE_LOADED_OBJECTS=1 /bin/ls | sed 's/ (0x[0-9a-f]*)//'
/lib64/ld-linux-x86-64.so.2 --list /bin/true | sed 's/ (0x[0-9a-f]*)//'
