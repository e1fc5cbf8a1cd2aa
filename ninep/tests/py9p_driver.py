# Drives py9p (Python 2) for tests/interop.rs.
#   py9p_driver.py server PORT ROOT DOTU   serve ROOT with py9p's own 9pfs LocalFs
#   py9p_driver.py client PORT DOTU        run py9p's client against our server
# The client prints "ok <step>" per step and exits non-zero on a mismatch.
from __future__ import print_function
import os
import socket
import sys

from py9p import py9p


def find_9pfs():
    for d in (os.path.join(sys.exec_prefix, 'bin'), os.path.join(os.path.expanduser('~'), '.local', 'bin')):
        p = os.path.join(d, '9pfs')
        if os.path.exists(p):
            return p
    for d in os.environ.get('PATH', '').split(':'):
        p = os.path.join(d, '9pfs')
        if os.path.exists(p):
            return p
    raise SystemExit('9pfs script of py9p not found')


def server(port, root, dotu):
    # 9pfs is py9p's own local-directory server; -w allows create.
    args = [sys.executable, find_9pfs(), '-w', '-a', '127.0.0.1', '-p', port, '-r', root]
    if dotu == '1':
        args.insert(2, '-D')
    os.execv(sys.executable, args)


def check(step, got, want):
    if got != want:
        print('FAIL %s: got %r, want %r' % (step, got, want))
        sys.exit(1)
    print('ok %s' % step)
    sys.stdout.flush()


def client(port, dotu):
    s = socket.create_connection(('127.0.0.1', int(port)))
    c = py9p.Client(s, py9p.Credentials('glenda'), dotu=int(dotu))

    c.open('hello')
    check('read hello', c.read(100), 'hello, world\n')
    c.close()

    c.open('a/b/c')
    check('walk+read a/b/c', c.read(100), 'deep')
    c.close()

    st = c.stat('hello')[0]
    check('stat hello', (st.name, st.length, st.qid.type), ('hello', 13, 0))

    c.create('made', 0o644, py9p.OWRITE)
    check('write made', c.write('from py9p'), 9)
    c.close()
    c.open('made')
    check('read back made', c.read(100), 'from py9p')
    c.close()

    c.open('')
    names = sorted(d.name for d in c.lsdir())
    c.close()
    check('list root', names, ['a', 'empty', 'hello', 'made'])

    try:
        c.open('nope')
        check('missing file', 'opened', 'error')
    except py9p.RpcError as e:
        check('missing file', str(e.args[0]), 'file does not exist')

    c.create('gone', 0o644, py9p.OWRITE)
    c.close()
    c.rm('gone')
    try:
        c.stat('gone')
        check('remove gone', 'still there', 'removed')
    except py9p.RpcError:
        check('remove gone', 'removed', 'removed')
    # Not c._fullclose(): in py9p 1.0.8 it calls a close() Sock lacks.
    c._clunk(c.ROOT)
    c._clunk(c.CWD)
    s.close()
    print('ok clunk and hang up')


if __name__ == '__main__':
    if sys.argv[1] == 'server':
        server(*sys.argv[2:5])
    else:
        client(*sys.argv[2:4])
