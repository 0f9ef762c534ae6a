"""Namespace test hosts: private Open vSwitch instances, a physical network,
an upstream router and instances plugged the way libvirt/os-vif plug VMs.

The topology the tests build from these classes (names get the lab's prefix):

    Instance ns   eth0
                   |veth
    TestHost ns   tap<11 chars of port id> in br-int   (own ovsdb-server
                  br-int: int-br-provider               + ovs-vswitchd)
                      =patch= br-provider: phy-br-provider, eth0
                   |veth (eth0)
    PhysNet ns    Linux bridge br0 (ports p1, p2, ...)
                   |veth
    Router ns     eth0 172.16.0.1/12 [+ eth0.<vid> for VLAN tests]

Ownership and safety (the machine is shared and has ONE uplink, eth0):
- A `Lab` records everything it creates (namespaces, root-namespace
  devices, processes, relays, its temp dir) and undoes it in reverse order
  in `Lab.cleanup()`; that runs from pytest finalizers, from `atexit`, and
  on SIGTERM/SIGHUP (turned into KeyboardInterrupt so finalizers run).
- veth pairs are created in the root namespace under fresh temporary names
  (`<prefix><tag>t<n>`), each end is moved into its namespace and renamed
  there, so no device is ever created under a final name such as eth0 in
  the root namespace.
- `Lab.del_netns()` and `Lab.del_link()` refuse names the lab did not
  create; processes are killed only by the PIDs the lab started.
- `leftovers(prefix)` lists namespaces, root devices and processes that
  carry the prefix, for the end-of-session check.

Open vSwitch: each `TestHost` runs `ovsdb-server` and `ovs-vswitchd` in its
namespace (`ip netns exec`) with OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR in the
lab's temp dir, in the foreground so the PID we hold is the daemon's; each
can be killed and restarted alone.  Bridges use `datapath_type=netdev`: on
these machines there is no openvswitch kernel module, and a `system`
bridge fails with "failed to enumerate system datapaths" (see
`TestHost.system_datapath_works()`).  ovs-vsctl talks to the unix socket;
ovsdb-server also listens on tcp:127.0.0.1:6640 inside the namespace,
Neutron's default `ovsdb_connection`; a `Manager` row with the same target
(what Neutron's agent adds) shares that listener, since ovsdb-server keys
remotes by target.
"""

import atexit
import ctypes
import os
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

# NTH_PREFIX lets two runs share a machine without seeing each other.
PREFIX = os.environ.get("NTH_PREFIX", "nth")
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
OVSDB_TCP_PORT = 6640
CMD_TIMEOUT = 30


class HarnessError(RuntimeError):
    pass


class DaemonDied(Exception):
    """A daemon the harness waits for has exited: waiting is pointless."""


def run(argv, check=True, timeout=CMD_TIMEOUT, env=None, input=None):
    """Run argv; return the CompletedProcess (text).  check: raise on rc."""
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                       timeout=timeout, env=env, input=input)
    if check and p.returncode != 0:
        raise HarnessError("%s -> rc %d\nstdout: %s\nstderr: %s" % (
            " ".join(str(a) for a in argv), p.returncode, p.stdout[-2000:],
            p.stderr[-2000:]))
    return p


def wait_until(pred, timeout, interval=0.05, what="condition"):
    """Poll pred() until it returns a true value (returned) or time is up.

    A failed assertion or command inside pred() means "not yet"; the last
    one is reported on timeout.  DaemonDied ends the wait at once.
    """
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = pred()
            if value:
                return value
        except (AssertionError, HarnessError, OSError,
                subprocess.TimeoutExpired) as exc:
            last_exc = exc
        if time.monotonic() >= deadline:
            raise HarnessError("timed out after %.1fs waiting for %s%s" % (
                timeout, what, "" if last_exc is None
                else " (last error: %s)" % last_exc))
        time.sleep(interval)


def netns_list():
    out = run(["ip", "netns", "list"]).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def root_links():
    out = run(["ip", "-o", "link", "show"]).stdout
    names = []
    for line in out.splitlines():
        m = re.match(r"^\d+:\s+([^:@\s]+)", line)
        if m:
            names.append(m.group(1))
    return names


def leftovers(prefix=PREFIX):
    """Namespaces, root-namespace devices and processes carrying prefix."""
    found = ["netns %s" % n for n in netns_list() if n.startswith(prefix)]
    found += ["link %s" % n for n in root_links() if n.startswith(prefix)]
    tmp_mark = os.path.join(tempfile.gettempdir(), prefix + "-")
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = Path("/proc", pid, "cmdline").read_bytes()
        except OSError:
            continue
        cmd = cmd.replace(b"\0", b" ").decode("utf-8", "replace")
        if tmp_mark in cmd:
            found.append("process %s: %s" % (pid, cmd[:200]))
    return found


_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNET = 0x40000000


def _setns(fd):
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def listen_in_netns(netns, addr, port):
    """A listening TCP socket that lives in namespace netns.

    setns() changes only the calling thread's namespace, so it runs in a
    throw-away thread; a socket keeps the namespace it was created in.
    """
    result = {}

    def body():
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open("/run/netns/" + netns, os.O_RDONLY)
        try:
            _setns(target)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, port))
            s.listen(64)
            result["sock"] = s
        except OSError as exc:
            result["error"] = exc
        finally:
            _setns(own)
            os.close(own)
            os.close(target)

    t = threading.Thread(target=body)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]
    return result["sock"]


class NetnsRelay:
    """TCP relay: connections accepted on addr:port inside netns are joined
    to target (host, port) as seen from the test process's namespace.

    Stands in for the management network between an agent in a test host
    and a server in the root namespace; plain byte copying, both ways.
    """

    def __init__(self, netns, addr, port, target):
        self.target = target
        self.listener = listen_in_netns(netns, addr, port)
        self.closed = False
        self.conns = set()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def _accept_loop(self):
        while not self.closed:
            try:
                ready, _, _ = select.select([self.listener], [], [], 0.2)
                if not ready:
                    continue
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _serve(self, conn):
        try:
            up = socket.create_connection(self.target, timeout=5)
        except OSError:
            conn.close()
            return
        up.settimeout(None)
        with self.lock:
            self.conns.update((conn, up))
        # Each direction ends on its own: EOF from one side is passed on
        # as a half-close, so a reply still flows back.
        dest = {conn: up, up: conn}
        try:
            while dest and not self.closed:
                ready, _, _ = select.select(list(dest), [], [], 0.5)
                for s in ready:
                    data = s.recv(65536)
                    if data:
                        dest[s].sendall(data)
                        continue
                    dest[s].shutdown(socket.SHUT_WR)
                    del dest[s]
        except OSError:
            pass
        finally:
            with self.lock:
                self.conns.difference_update((conn, up))
            conn.close()
            up.close()

    def close(self):
        self.closed = True
        self.listener.close()
        with self.lock:
            for s in list(self.conns):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self.thread.join(timeout=2)


_signals_installed = False


def _install_signal_cleanup():
    """SIGTERM/SIGHUP unwind like Ctrl-C (pytest stops the session and
    runs finalizers; atexit handlers run) instead of killing the process
    with namespaces left over."""
    global _signals_installed
    if _signals_installed or threading.current_thread() is not \
            threading.main_thread():
        return

    def handler(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)
    _signals_installed = True


class Lab:
    """Owner of everything a test creates; undoes it in reverse order."""

    def __init__(self, prefix=PREFIX):
        self.prefix = prefix
        self.tag = secrets.token_hex(2)
        self.dir = Path(tempfile.mkdtemp(prefix=prefix + "-"))
        self._undo = []
        self._netns = set()
        self._links = set()
        self._procs = {}
        self._seq = 0
        self._cleaned = False
        _install_signal_cleanup()
        atexit.register(self.cleanup)
        self._push("remove %s" % self.dir, self._remove_dir)

    def _remove_dir(self):
        # Logs of daemons and agents live there: keep them on request.
        if os.environ.get("NTH_KEEP_LOGS"):
            print("lab logs kept in %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _push(self, what, fn):
        self._undo.append((what, fn))

    def defer(self, what, fn):
        """Run fn at cleanup, before whatever was created earlier goes."""
        self._push(what, fn)

    def name(self, role):
        """Namespace name for role, unique to this lab."""
        return "%s%s-%s" % (self.prefix, self.tag, role)

    def _tmp_dev(self):
        self._seq += 1
        name = "%s%st%d" % (self.prefix, self.tag, self._seq)
        assert len(name) <= 15, name
        return name

    # ---------------------------------------------------------------- netns
    def add_netns(self, role):
        name = self.name(role)
        run(["ip", "netns", "add", name])
        self._netns.add(name)
        self._push("delete netns %s" % name, lambda: self.del_netns(name))
        run(["ip", "-n", name, "link", "set", "lo", "up"])
        return name

    def del_netns(self, name):
        if name not in self._netns:
            raise HarnessError("refusing to delete netns %r: not created by "
                               "this lab" % name)
        if name in netns_list():
            run(["ip", "netns", "del", name])
        self._netns.discard(name)

    def ns_run(self, netns, argv, **kw):
        """Run argv inside netns (None: the test's own namespace)."""
        if netns is None:
            return run(argv, **kw)
        return run(["ip", "netns", "exec", netns] + list(argv), **kw)

    # ---------------------------------------------------------------- links
    def veth(self, ns_a, name_a, ns_b, name_b, mac_b=None, mtu=None):
        """A veth pair with end name_a in ns_a and name_b in ns_b.

        Created in the root namespace under temporary names, moved, renamed
        in place; TX checksum offload off on both ends because they feed
        the userspace datapath (else checksums arrive unfilled).
        """
        if ns_a is None or ns_b is None:
            raise HarnessError("veth ends must go into namespaces")
        tmp_a, tmp_b = self._tmp_dev(), self._tmp_dev()
        run(["ip", "link", "add", tmp_a, "type", "veth", "peer", "name",
             tmp_b])
        self._links.add((None, tmp_a))
        # Only matters if moving the ends fails half-way.
        self._push("delete root link %s" % tmp_a,
                   lambda: self._del_root_tmp(tmp_a))
        for tmp, ns, final, mac in ((tmp_a, ns_a, name_a, None),
                                    (tmp_b, ns_b, name_b, mac_b)):
            run(["ip", "link", "set", tmp, "netns", ns])
            args = ["ip", "-n", ns, "link", "set", tmp, "name", final]
            if mac:
                args += ["address", mac]
            if mtu:
                args += ["mtu", str(mtu)]
            run(args)
            self._links.add((ns, final))
            run(["ip", "-n", ns, "link", "set", final, "up"])
            self.ns_run(ns, ["ethtool", "-K", final, "tx", "off"])
        self._links.discard((None, tmp_a))

    def _del_root_tmp(self, name):
        if (None, name) in self._links:
            self.del_link(None, name)

    def del_link(self, netns, name):
        """Delete a device this lab made; refuses any other."""
        if (netns, name) not in self._links:
            raise HarnessError("refusing to delete link %r in %r: not created"
                               " by this lab" % (name, netns))
        self._links.discard((netns, name))
        if netns is None:
            if name in root_links():
                run(["ip", "link", "del", name])
        elif netns in netns_list():
            run(["ip", "-n", netns, "link", "del", name], check=False)

    # ---------------------------------------------------------------- procs
    def spawn(self, argv, log, netns=None, enter="exec", env=None):
        """Start argv (in netns: `ip netns exec` or `nsenter --net`, both
        exec the program so the PID is the program's); output to log."""
        prefix = []
        if netns is not None:
            prefix = (["ip", "netns", "exec", netns] if enter == "exec"
                      else ["nsenter", "--net=/run/netns/" + netns])
        full_env = dict(os.environ)
        full_env.update(env or {})
        with open(log, "ab") as out:
            proc = subprocess.Popen(prefix + [str(a) for a in argv],
                                    stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=full_env)
        self._procs[proc.pid] = proc
        self._push("stop pid %d" % proc.pid, lambda: self.stop(proc))
        return proc

    def stop(self, proc, sig=signal.SIGTERM, timeout=10):
        """Signal a process this lab started (by PID), wait; SIGKILL after
        timeout.  Returns its exit status."""
        if self._procs.get(proc.pid) is not proc:
            raise HarnessError("refusing to signal pid %d: not started by "
                               "this lab" % proc.pid)
        if proc.poll() is None:
            os.kill(proc.pid, sig)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        return proc.returncode

    def relay(self, netns, addr, port, target):
        r = NetnsRelay(netns, addr, port, target)
        self._push("close relay in %s" % netns, r.close)
        return r

    # ---------------------------------------------------------------- end
    def cleanup(self):
        """Undo everything, newest first; keep going past failures."""
        if self._cleaned:
            return
        self._cleaned = True
        errors = []
        while self._undo:
            what, fn = self._undo.pop()
            try:
                fn()
            except Exception as exc:  # keep undoing the rest
                errors.append("%s: %s" % (what, exc))
        atexit.unregister(self.cleanup)
        if errors:
            raise HarnessError("cleanup problems:\n" + "\n".join(errors))


# ------------------------------------------------------------------ flows
_STAT_KEYS = {"cookie", "duration", "table", "n_packets", "n_bytes",
              "idle_timeout", "hard_timeout", "idle_age", "hard_age",
              "importance"}


class Flow:
    """One line of `ovs-ofctl dump-flows`, split into its parts."""

    def __init__(self, line):
        self.text = line.strip()
        head, sep, self.actions = self.text.partition(" actions=")
        if not sep:
            raise HarnessError("not a flow: %r" % line)
        self.stats = {}
        self.match = {}
        self.flags = set()
        # Fields are separated by commas, flags such as reset_counts by
        # spaces.
        for tok in re.split(r"[,\s]+", head):
            tok = tok.strip()
            if not tok:
                continue
            key, eq, value = tok.partition("=")
            if not eq:
                self.flags.add(key)
            elif key in _STAT_KEYS:
                self.stats[key] = value
            else:
                self.match[key] = value.strip('"')
        self.cookie = int(self.stats.get("cookie", "0"), 16)
        self.table = int(self.stats.get("table", "0"))
        self.priority = int(self.match.pop("priority", "32768"))
        self.n_packets = int(self.stats.get("n_packets", "0"))

    def __repr__(self):
        return "Flow(%s)" % self.text

    @property
    def untagged(self):
        """Matches only frames without an 802.1Q tag."""
        tci = self.match.get("vlan_tci")
        if tci is not None:
            value, _, mask = tci.partition("/")
            return int(value, 16) == 0 and (not mask or
                                            int(mask, 16) & 0x1fff == 0x1fff)
        return self.match.get("dl_vlan") in ("0xffff", "65535")

    @property
    def vlan(self):
        """The VLAN id the flow matches (dl_vlan / vlan_vid), else None."""
        if "dl_vlan" in self.match and not self.untagged:
            return int(self.match["dl_vlan"], 0)
        vid = self.match.get("vlan_vid")
        if vid is not None:
            return int(vid.partition("/")[0], 0) & 0xfff
        tci = self.match.get("vlan_tci")
        if tci is not None and not self.untagged:
            return int(tci.partition("/")[0], 16) & 0xfff
        return None

    @property
    def sets_vlan(self):
        """VLAN id the actions set (mod_vlan_vid or set_field), else None."""
        m = re.search(r"mod_vlan_vid:(\d+)", self.actions)
        if m:
            return int(m.group(1))
        m = re.search(r"set_field:(\d+)->vlan_vid", self.actions)
        if m:
            return int(m.group(1)) & 0xfff
        m = re.search(r"set_field:0x([0-9a-f]+)->vlan_vid", self.actions)
        if m:
            return int(m.group(1), 16) & 0xfff
        return None

    @property
    def strips_vlan(self):
        return bool(re.search(r"\b(strip_vlan|pop_vlan)\b", self.actions))

    @property
    def drops(self):
        return self.actions in ("drop", "")

    @property
    def continues(self):
        """Passes the packet on: NORMAL or on to another table."""
        return bool(re.search(r"NORMAL|resubmit\(|goto_table:",
                              self.actions))


def parse_flows(text):
    return [Flow(line) for line in text.splitlines()
            if " actions=" in line and "cookie=" in line]


def parse_show(text):
    """`ovs-vsctl show` as a tree: [(line, [children...]), ...]."""
    root = []
    stack = [(-1, root)]
    for raw in text.splitlines():
        if not raw.strip():
            continue
        depth = len(raw) - len(raw.lstrip(" "))
        node = (raw.strip(), [])
        while stack[-1][0] >= depth:
            stack.pop()
        stack[-1][1].append(node)
        stack.append((depth, node[1]))
    return root


def show_find(tree, *path):
    """The node reached by following lines equal to path (quotes ignored),
    or None."""
    nodes = tree
    node = None
    for want in path:
        node = next((n for n in nodes if n[0].replace('"', "") ==
                     want.replace('"', "")), None)
        if node is None:
            return None
        nodes = node[1]
    return node


# ------------------------------------------------------------------ hosts
class TestHost:
    """A namespace with its own ovsdb-server and ovs-vswitchd."""

    __test__ = False  # not a pytest test class

    def __init__(self, lab, role, tcp_remote=True, netns=None):
        """netns: run OVS in this existing namespace instead of a new one."""
        self.lab = lab
        self.role = role
        self.netns = netns or lab.add_netns(role)
        self.dir = lab.dir / role
        self.dir.mkdir()
        self.db = self.dir / "conf.db"
        self.sock = self.dir / "db.sock"
        self.tcp = tcp_remote
        self.env = {"OVS_RUNDIR": str(self.dir), "OVS_DBDIR": str(self.dir),
                    "OVS_LOGDIR": str(self.dir)}
        self.ovsdb = None
        self.vswitchd = None
        run(["ovsdb-tool", "create", self.db, OVS_SCHEMA])
        self.start_ovsdb()
        self.vsctl("--no-wait", "init")
        self.start_vswitchd()

    @property
    def ovsdb_remote(self):
        """What a process inside this namespace uses to reach OVSDB."""
        return "unix:%s" % self.sock

    @property
    def ovsdb_tcp_remote(self):
        return "tcp:127.0.0.1:%d" % OVSDB_TCP_PORT

    def _env(self):
        env = dict(os.environ)
        env.update(self.env)
        return env

    # -------------------------------------------------------------- daemons
    def start_ovsdb(self):
        argv = ["ovsdb-server", self.db, "--remote=punix:%s" % self.sock,
                "--remote=db:Open_vSwitch,Open_vSwitch,manager_options",
                "--pidfile=%s/ovsdb-server.pid" % self.dir,
                "--unixctl=%s/ovsdb-server.ctl" % self.dir,
                "--log-file=%s/ovsdb-server.log" % self.dir,
                "-vconsole:off"]
        if self.tcp:
            argv.append("--remote=ptcp:%d:127.0.0.1" % OVSDB_TCP_PORT)
        self.ovsdb = self.lab.spawn(argv, self.dir / "ovsdb-server.out",
                                    netns=self.netns, env=self.env)
        wait_until(lambda: self._db_answers(), 10, what="ovsdb-server of %s"
                   % self.role)

    def _db_answers(self):
        if self.ovsdb.poll() is not None:
            raise DaemonDied("ovsdb-server exited: %s" % self.log_tail(
                "ovsdb-server.log"))
        return run(["ovs-vsctl", "--db=" + self.ovsdb_remote, "--timeout=2",
                    "--no-wait", "show"], check=False).returncode == 0

    def start_vswitchd(self, wait=True):
        argv = ["ovs-vswitchd", self.ovsdb_remote,
                "--pidfile=%s/ovs-vswitchd.pid" % self.dir,
                "--unixctl=%s/ovs-vswitchd.ctl" % self.dir,
                "--log-file=%s/ovs-vswitchd.log" % self.dir,
                "-vconsole:off"]
        self.vswitchd = self.lab.spawn(argv, self.dir / "ovs-vswitchd.out",
                                       netns=self.netns, env=self.env)
        if wait:
            self.wait_vswitchd()

    def wait_vswitchd(self, timeout=10):
        """Until ovs-vswitchd has applied the database and every bridge
        answers OpenFlow on its management socket."""
        # ovs-vswitchd copies next_cfg to cur_cfg once it has applied the
        # database: bump next_cfg and wait for cur_cfg to follow.
        cfg = int(self.get("Open_vSwitch", ".", "next_cfg")) + 1
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   "next_cfg=%d" % cfg)

        def ready():
            if self.vswitchd.poll() is not None:
                raise DaemonDied("ovs-vswitchd exited: %s" %
                                 self.log_tail("ovs-vswitchd.log"))
            if int(self.get("Open_vSwitch", ".", "cur_cfg")) < cfg:
                return False
            for br in self.bridges():
                run(["ovs-ofctl", "show", br], env=self._env(), timeout=5)
            return True
        wait_until(ready, timeout, what="ovs-vswitchd of %s" % self.role)

    def kill_vswitchd(self, sig=signal.SIGKILL):
        self.lab.stop(self.vswitchd, sig=sig)

    def restart_vswitchd(self, sig=signal.SIGKILL):
        """Kill ovs-vswitchd alone and start it again; returns the
        monotonic time the new process was started."""
        self.kill_vswitchd(sig)
        started = time.monotonic()
        self.start_vswitchd()
        return started

    def kill_ovsdb(self, sig=signal.SIGKILL):
        self.lab.stop(self.ovsdb, sig=sig)

    def restart_ovsdb(self, sig=signal.SIGKILL):
        self.kill_ovsdb(sig)
        self.start_ovsdb()

    def log_tail(self, name, n=3000):
        try:
            return (self.dir / name).read_text(errors="replace")[-n:]
        except OSError:
            return ""

    # -------------------------------------------------------------- tools
    def run(self, argv, **kw):
        """Run argv inside this host's namespace."""
        return self.lab.ns_run(self.netns, argv, **kw)

    def vsctl(self, *args, timeout=10):
        p = run(["ovs-vsctl", "--db=" + self.ovsdb_remote,
                 "--timeout=%d" % timeout] + list(args), timeout=timeout + 5)
        return p.stdout

    def ofctl(self, *args, check=True):
        """ovs-ofctl against this host's bridges (found through OVS_RUNDIR);
        offers OpenFlow 1.0 and 1.3 so bridges limited to 1.3 answer too."""
        argv = ["ovs-ofctl", "-O", "OpenFlow10,OpenFlow13"] + list(args)
        return run(argv, env=self._env(), check=check).stdout

    def dump_flows(self, bridge, table=None):
        args = ["--names", "dump-flows", bridge]
        if table is not None:
            args.append("table=%d" % table)
        return parse_flows(self.ofctl(*args))

    def show(self):
        return self.vsctl("show")

    def bridges(self):
        return self.vsctl("list-br").split()

    def get(self, table, record, column):
        """One column's value as ovs-vsctl prints it (strings unquoted)."""
        return self.vsctl("get", table, record, column).strip().strip('"')

    def add_bridge(self, name, datapath_type="netdev", fail_mode=None):
        args = ["--may-exist", "add-br", name, "--", "set", "Bridge", name,
                "datapath_type=%s" % datapath_type]
        if fail_mode:
            args += ["fail_mode=%s" % fail_mode]
        self.vsctl(*args)

    def add_patch(self, br_a, name_a, br_b, name_b):
        """A patch-port pair between two bridges, as Neutron makes it."""
        self.vsctl("--may-exist", "add-port", br_a, name_a, "--", "set",
                   "Interface", name_a, "type=patch",
                   "options:peer=%s" % name_b,
                   "--", "--may-exist", "add-port", br_b, name_b, "--", "set",
                   "Interface", name_b, "type=patch",
                   "options:peer=%s" % name_a)

    def add_port(self, bridge, port, *settings):
        args = ["--may-exist", "add-port", bridge, port]
        if settings:
            args += ["--", "set", "Port", port] + list(settings)
        self.vsctl(*args)

    def ofport(self, name):
        return int(self.get("Interface", name, "ofport"))

    def system_datapath_works(self):
        """Whether a bridge with datapath_type=system can be made here
        (needs the openvswitch kernel module)."""
        br = "%ssys" % self.lab.prefix
        # ovs-vsctl only warns (rc 0) when ovs-vswitchd fails to set the
        # bridge up; the bridge's own interface then has no OpenFlow port.
        self.add_bridge(br, datapath_type="system")
        ofport = self.get("Interface", br, "ofport")
        self.vsctl("--if-exists", "del-br", br)
        return ofport == "65534"


class PhysNet:
    """The "physical network": a Linux bridge in a namespace of its own."""

    BRIDGE = "br0"

    def __init__(self, lab, role="phys"):
        self.lab = lab
        self.netns = lab.add_netns(role)
        self.count = 0
        run(["ip", "-n", self.netns, "link", "add", self.BRIDGE, "type",
             "bridge"])
        run(["ip", "-n", self.netns, "link", "set", self.BRIDGE, "up"])

    def attach(self, netns, ifname="eth0", mac=None):
        """Cable netns's ifname to the bridge; returns the bridge-side
        port name (in this namespace)."""
        self.count += 1
        side = "p%d" % self.count
        self.lab.veth(self.netns, side, netns, ifname, mac_b=mac)
        run(["ip", "-n", self.netns, "link", "set", side, "master",
             self.BRIDGE])
        return side

    def capture(self, bpf, count, timeout, ifname=None):
        """Start tcpdump on the wire; returns a Capture (call .result())."""
        return Capture(self.lab, self.netns, ifname or self.BRIDGE, bpf,
                       count, timeout)


class Capture:
    """tcpdump -e in a namespace: link-level lines of matching frames."""

    def __init__(self, lab, netns, ifname, bpf, count, timeout):
        self.lab = lab
        self.log = lab.dir / ("tcpdump-%s.txt" % secrets.token_hex(3))
        self.proc = lab.spawn(["timeout", str(timeout), "tcpdump", "-l",
                               "-nn", "-e", "-i", ifname, "-c", str(count),
                               bpf], self.log, netns=netns)
        # tcpdump says "listening on ..." once its socket is bound.
        wait_until(lambda: "listening on" in self.log.read_text(), 5,
                   what="tcpdump to start")

    def result(self, timeout=30):
        self.proc.wait(timeout=timeout)
        return [line for line in self.log.read_text().splitlines()
                if " > " in line and not line.startswith("tcpdump")]


class Router:
    """An upstream router namespace on the physical network."""

    def __init__(self, lab, phys, cidr="172.16.0.1/12", role="router"):
        self.lab = lab
        self.role = role
        self.phys = phys
        self.netns = lab.add_netns(role)
        self.ovs = None
        phys.attach(self.netns, "eth0")
        self.ip = cidr.split("/")[0]
        run(["ip", "-n", self.netns, "addr", "add", cidr, "dev", "eth0"])

    def add_vlan(self, vid, cidr):
        """A VLAN subinterface eth0.<vid> with cidr: it sees only frames
        tagged vid.

        These kernels lack 8021q (and bridge VLAN filtering), so the
        subinterface is an OVS internal port with tag=vid on a bridge that
        holds a second, trunk link to the physical network.
        """
        dev = "eth0.%d" % vid
        if self.ovs is None:
            self.ovs = TestHost(self.lab, self.role, tcp_remote=False,
                                netns=self.netns)
            self.ovs.add_bridge("br-vlan")
            self.phys.attach(self.netns, "trunk")
            self.ovs.add_port("br-vlan", "trunk")
        self.ovs.vsctl("add-port", "br-vlan", dev, "tag=%d" % vid, "--",
                       "set", "Interface", dev, "type=internal")
        wait_until(lambda: dev in self.lab.ns_run(
            self.netns, ["ip", "-o", "link"]).stdout, 5, what=dev)
        run(["ip", "-n", self.netns, "addr", "add", cidr, "dev", dev])
        run(["ip", "-n", self.netns, "link", "set", dev, "up"])
        self.lab.ns_run(self.netns, ["ethtool", "-K", dev, "tx", "off"])
        return dev

    def rx_packets(self, dev):
        out = run(["ip", "-n", self.netns, "-s", "-j", "link", "show",
                   dev]).stdout
        m = re.search(r'"rx":\{"bytes":\d+,"packets":(\d+)', out)
        return int(m.group(1))


class PingResult:
    def __init__(self, text, rc):
        self.text = text
        self.rc = rc
        m = re.search(r"(\d+) packets transmitted, (\d+) received", text)
        self.transmitted = int(m.group(1)) if m else 0
        self.received = int(m.group(2)) if m else 0

    @property
    def loss(self):
        """Fraction lost (1.0 when nothing was sent)."""
        if not self.transmitted:
            return 1.0
        return 1.0 - self.received / self.transmitted

    def __repr__(self):
        return "PingResult(%d/%d received)" % (self.received,
                                               self.transmitted)


UDHCPC_SCRIPT = """#!/bin/sh
# udhcpc calls this with $1 = deconfig|bound|renew|leasefail|nak.
case "$1" in
deconfig)
    ip addr flush dev "$interface"
    ip link set "$interface" up ;;
bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "${router%% *}"
    env | grep -E '^(ip|mask|subnet|router|dns|serverid|lease|mtu|domain|\
hostname|staticroutes|broadcast|bootfile)=' > "$LEASE_FILE" ;;
esac
"""


class Instance:
    """A VM stand-in: a namespace whose eth0 is plugged into a host bridge
    as libvirt/os-vif do it (tap<first 11 of port id>, external_ids)."""

    def __init__(self, lab, host, role, port_id, mac, vm_uuid=None,
                 bridge="br-int", mtu=None):
        self.lab = lab
        self.host = host
        self.port_id = port_id
        self.mac = mac
        self.bridge = bridge
        self.vm_uuid = vm_uuid or str(uuid.uuid4())
        self.tap = "tap" + port_id[:11]
        self.netns = lab.add_netns(role)
        self.ip = None
        lab.veth(host.netns, self.tap, self.netns, "eth0", mac_b=mac, mtu=mtu)
        self.plugged = False
        self.plug()

    def plug(self):
        """Add the tap to the bridge with os-vif's external_ids."""
        self.host.vsctl(
            "--may-exist", "add-port", self.bridge, self.tap, "--", "set",
            "Interface", self.tap,
            "external_ids:iface-id=%s" % self.port_id,
            "external_ids:iface-status=active",
            "external_ids:attached-mac=%s" % self.mac,
            "external_ids:vm-uuid=%s" % self.vm_uuid)
        self.plugged = True

    def unplug(self, delete_device=True):
        """What Nova/os-vif do when the VM goes: port off the bridge, tap
        deleted."""
        self.host.vsctl("--if-exists", "del-port", self.bridge, self.tap)
        self.plugged = False
        if delete_device:
            self.lab.del_link(self.host.netns, self.tap)

    def run(self, argv, **kw):
        return self.lab.ns_run(self.netns, argv, **kw)

    def set_ip(self, cidr, gateway=None):
        self.run(["ip", "addr", "replace", cidr, "dev", "eth0"])
        if gateway:
            self.run(["ip", "route", "replace", "default", "via", gateway])
        self.ip = cidr.split("/")[0]

    def ping(self, dst, count=3, interval=0.2, deadline=None, wait=1):
        """ping dst; returns a PingResult (.loss is the fraction lost)."""
        deadline = deadline or max(2, int(count * interval) + 2)
        argv = ["ping", "-n", "-q", "-c", count, "-i", interval, "-W", wait,
                "-w", deadline, dst]
        p = self.run(argv, check=False, timeout=deadline + 10)
        return PingResult(p.stdout, p.returncode)

    def ping_background(self, dst, count, interval, deadline=None):
        """Start a ping; returns a function that waits and gives the
        PingResult."""
        deadline = deadline or int(count * interval) + 5
        log = self.lab.dir / ("ping-%s.txt" % secrets.token_hex(3))
        proc = self.lab.spawn(["ping", "-n", "-q", "-c", count, "-i",
                               interval, "-w", deadline, dst], log,
                              netns=self.netns)

        def result():
            proc.wait(timeout=deadline + 10)
            return PingResult(log.read_text(), proc.returncode)
        return result

    def wait_ping(self, dst, timeout=10):
        """Until one ping to dst is answered."""
        wait_until(lambda: self.ping(dst, count=1, deadline=1).loss == 0,
                   timeout, interval=0.1, what="%s to reach %s" % (
                       self.netns, dst))

    def udhcpc(self, timeout=10, request=("staticroutes",)):
        """busybox udhcpc on eth0, also asking for the options named in
        request (udhcpc's names; option 121 is not asked by default);
        returns the lease's variables (ip, mask, router, dns, serverid,
        lease, mtu, staticroutes, ...) or None if none came."""
        script = self.lab.dir / "udhcpc.sh"
        if not script.exists():
            script.write_text(UDHCPC_SCRIPT)
            script.chmod(0o755)
        lease = self.lab.dir / ("lease-%s" % self.netns)
        lease.unlink(missing_ok=True)
        tries = max(1, int(timeout))
        self.run(["env", "LEASE_FILE=%s" % lease, "busybox", "udhcpc", "-i",
                  "eth0", "-f", "-q", "-n", "-t", tries, "-T", 1, "-A", 1,
                  "-s", script] + [a for name in request
                                   for a in ("-O", name)],
                 check=False, timeout=timeout + 10)
        if not lease.exists():
            return None
        out = dict(line.split("=", 1) for line in
                   lease.read_text().splitlines() if "=" in line)
        self.ip = out.get("ip")
        return out
