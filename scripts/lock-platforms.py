# Adds package-lock.json entries for optional platform packages that the registry reachable here does not
# serve (other OS/CPU binaries of biome, anvil, chdb, turbo, rollup), so that `npm ci` validates the lock.
# The entries carry os/cpu/libc, so npm never fetches them on this platform.
# Usage: npm ci 2>&1 | python3 scripts/lock-platforms.py package-lock.json
import json, re, sys
p = sys.argv[1]
lock = json.load(open(p))
pk = lock['packages']
import re as _re
missing = [m.group(1) for m in _re.finditer(r'Missing: (\S+?)@\S* from lock file', sys.stdin.read())]
specs = {}
for k, v in pk.items():
    for n, ver in (v.get('optionalDependencies') or {}).items():
        specs.setdefault(n, ver)
def plat(name):
    base = name.split('/')[-1]
    os_ = next((o for o in ['android','darwin','linux','win32','windows','freebsd','openbsd','openharmony'] if o in base), None)
    os_ = 'win32' if os_ == 'windows' else os_
    cpu = None
    for c, pat in [('arm64','arm64'),('x64','x64'),('x64','amd64'),('x64','-64'),('arm','arm-'),('arm','gnueabihf'),('arm','musleabihf'),('loong64','loong64'),('ppc64','ppc64'),('riscv64','riscv64'),('s390x','s390x'),('ia32','ia32')]:
        if pat in base: cpu = c; break
    libc = 'musl' if 'musl' in base else ('glibc' if '-gnu' in base else None)
    return os_, cpu, libc
for n in missing:
    ver = specs.get(n)
    if not ver: print('no spec for', n); continue
    os_, cpu, libc = plat(n)
    e = {'version': re.sub(r'^[\^~]', '', ver), 'optional': True}
    if os_: e['os'] = [os_]
    if cpu: e['cpu'] = [cpu]
    if libc: e['libc'] = [libc]
    pk['node_modules/' + n] = e
lock['packages'] = dict(sorted(pk.items(), key=lambda kv: (kv[0] != '', kv[0])))
json.dump(lock, open(p, 'w'), indent=2); open(p, 'a').write('\n')
print('patched', len(missing))
