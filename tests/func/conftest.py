"""Fixtures for neutrino's functional tests.

Every test that uses the ``server`` fixture gets its own neutrino-server process with a fresh
configuration file and a fresh SQLite database in a temporary directory.  The server is asked
for an ephemeral port (``bind_port = 0``) and its address is read from the single line it
prints on stdout, so tests never race for ports.  Whatever happens, the process is killed by
its PID when the fixture is torn down.

Environment:
  NEUTRINO_SERVER   path of the server binary (default: <repo>/build/neutrino-server)
  NEUTRINO_AGENT    path of the agent binary (default: <repo>/build/neutrino-agent), for
                    the tests of how agents authenticate (make_agent)
  NEUTRINO_URL      run against an already running server at this URL instead of starting
                    one (used to check the expectations against a real neutron-server); tests
                    that need to start, restart or kill the server are skipped then
  NEUTRINO_PROJECT  the default project of that external server (default: fake_project_id)
  NEUTRINO_DB       "postgresql": every server gets a fresh database of its own on a private
                    PostgreSQL the tests start (see PgCluster) instead of an SQLite file
"""

import atexit
import collections
import json
import os
import pwd
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sanitizers import sanitizer_reports, sanitizer_reports_session  # noqa: E402,F401,I100

REPO = Path(__file__).resolve().parents[2]
SERVER_BIN = os.environ.get("NEUTRINO_SERVER") or str(REPO / "build" / "neutrino-server")
AGENT_BIN = os.environ.get("NEUTRINO_AGENT") or str(REPO / "build" / "neutrino-agent")
EXTERNAL_URL = os.environ.get("NEUTRINO_URL")
OSC_BIN = shutil.which("openstack", path="/usr/bin:/usr/local/bin") or "/usr/bin/openstack"

# The seed's project id; the server uses it for requests without X-Project-Id.
ADMIN_PROJECT = (os.environ.get("NEUTRINO_PROJECT", "fake_project_id") if EXTERNAL_URL
                 else "1e3ac7ae10e24515a0956beaa1d8073c")
OTHER_PROJECT = "5f0a6e1c2b7d4e3f8a9b0c1d2e3f4a5b"

LISTEN_RE = re.compile(r"^neutrino-server: listening on (http://(\S+):(\d+))$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
REQUEST_ID_RE = re.compile(
    r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAC_RE = re.compile(r"^fa:16:3e(:[0-9a-f]{2}){3}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

START_TIMEOUT = 15.0
HTTP_TIMEOUT = 60.0

needs_process = pytest.mark.skipif(
    EXTERNAL_URL is not None, reason="needs a server process started by the test")


def hammer(servers, network_id, total, clients=16, name="c"):
    """`total` single-port POSTs (named NAME-i) spread over `clients` threads, client n
    through servers[n % len(servers)] in a project of its own, so per-project quotas
    cannot interfere.

    Returns (list of created ports, Counter of (status, error type) for failures).
    """
    lock = threading.Lock()
    todo = list(range(total))
    created, failures, crashes = [], collections.Counter(), []

    def worker(n):
        server = servers[n % len(servers)]
        session = requests.Session()
        project = "c0ffee%026d" % n
        try:
            while True:
                with lock:
                    if not todo:
                        return
                    i = todo.pop()
                r = server.request("POST", "/v2.0/ports", json_body={"port": {
                    "network_id": network_id, "name": "%s-%d" % (name, i)}},
                    project=project, session=session)
                if r.status_code == 201:
                    with lock:
                        created.append(r.json()["port"])
                else:
                    try:
                        etype = r.json()["NeutronError"]["type"]
                    except Exception:
                        etype = "<not a NeutronError: %r>" % r.text[:200]
                    with lock:
                        failures[(r.status_code, etype)] += 1
        except Exception as e:  # a connection error is a failure of the server
            with lock:
                crashes.append(repr(e))
        finally:
            session.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "clients still running after 600 s"
    assert not crashes, crashes[:5]
    return created, failures


def check_unique(ports):
    """No IP or MAC shared by two of 'ports', and every MAC Neutron's kind."""
    ips = [f["ip_address"] for p in ports for f in p["fixed_ips"]]
    assert len(set(ips)) == len(ips), "duplicate IPs: %s" % [
        ip for ip, c in collections.Counter(ips).items() if c > 1][:10]
    macs = [p["mac_address"] for p in ports]
    assert len(set(macs)) == len(macs), "duplicate MACs"
    assert all(MAC_RE.match(m) for m in macs)
    return ips


PG_BIN = "/usr/lib/postgresql/15/bin"
USE_PG = os.environ.get("NEUTRINO_DB", "sqlite") == "postgresql"


class PgCluster:
    """A private PostgreSQL (Debian's binaries): initdb in a temporary directory, pg_ctl on a
    free 127.0.0.1 port, trust authentication for the user "neutrino", the C collation (the
    order SQLite sorts text in).  PostgreSQL refuses to run as root, so as root the cluster
    belongs to the "postgres" user.  stop() removes it, also when a test failed."""

    def __init__(self):
        self.dir = None
        self.port = None
        self.proc_user = None

    def _run(self, argv, **kw):
        if self.proc_user:
            argv = ["runuser", "-u", self.proc_user, "--"] + argv
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)

    # fsync off: a test cluster need not survive power loss, and fsyncs on a shared machine's
    # disk would measure the disk rather than the servers.
    FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}

    def _make_dir(self):
        if not os.access(PG_BIN + "/initdb", os.X_OK):
            pytest.skip("PostgreSQL binaries not found in " + PG_BIN)
        self.dir = tempfile.mkdtemp(prefix="neutrino-pg-")
        if os.getuid() == 0:
            self.proc_user = "postgres"
            pw = pwd.getpwnam("postgres")
            os.chmod(self.dir, 0o755)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        atexit.register(self.stop)
        return os.path.join(self.dir, "data")

    def start(self, settings=None):
        """A new cluster with 'settings' (default FAST) on the command line."""
        data = self._make_dir()
        p = self._run([PG_BIN + "/initdb", "-D", data, "-A", "trust", "-U", "neutrino",
                       "--no-locale", "-E", "UTF8", "--no-sync"], cwd=self.dir)
        if p.returncode:
            raise AssertionError("initdb failed: %s %s" % (p.stdout, p.stderr))
        return self._pg_ctl_start(self.FAST if settings is None else settings)

    def start_replica(self, primary, name, settings=None):
        """A streaming replica of 'primary', known to it as 'name' (application_name, what
        synchronous_standby_names lists)."""
        data = self._make_dir()
        p = self._run([PG_BIN + "/pg_basebackup", "-D", data, "-R", "-X", "stream",
                       "-d", "host=127.0.0.1 port=%d user=neutrino application_name=%s"
                       % (primary.port, name)], cwd=self.dir)
        if p.returncode:
            raise AssertionError("pg_basebackup failed: %s %s" % (p.stdout, p.stderr))
        return self._pg_ctl_start(self.FAST if settings is None else settings)

    def _pg_ctl_start(self, settings):
        self.port = free_tcp_port()
        opts = "-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=300" % (
            self.port, self.dir)
        opts += "".join(" -c %s=%s" % kv for kv in settings.items())
        p = self._run([PG_BIN + "/pg_ctl", "-D", os.path.join(self.dir, "data"), "-l",
                       os.path.join(self.dir, "log"), "-o", opts, "-w", "-t", "60", "start"],
                      cwd=self.dir)
        if p.returncode:
            log = Path(self.dir, "log")
            raise AssertionError("pg_ctl start failed: %s %s %s" % (
                p.stdout, p.stderr, log.read_text() if log.exists() else ""))
        return self

    def pg_ctl(self, *args):
        """pg_ctl ARGS on this cluster's data directory, waiting."""
        p = self._run([PG_BIN + "/pg_ctl", "-D", os.path.join(self.dir, "data"), "-w"]
                      + list(args), cwd=self.dir)
        if p.returncode:
            raise AssertionError("pg_ctl %s: %s %s" % (args, p.stdout, p.stderr))

    def url(self, db, driver=""):
        return "postgresql%s://neutrino:neutrino@127.0.0.1:%d/%s" % (driver, self.port, db)

    def psql(self, db, sql):
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d",
                            self.url(db), "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if p.returncode:
            raise AssertionError("psql %r: %s" % (sql, p.stderr))
        return p.stdout

    def new_database(self):
        name = "n" + uuid.uuid4().hex[:16]
        self.psql("postgres", "CREATE DATABASE %s" % name)
        return name

    def stop(self):
        if self.dir is None:
            return
        data = os.path.join(self.dir, "data")
        self._run([PG_BIN + "/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None


_PG = None


def pg_cluster():
    """The session's private PostgreSQL, started on first use."""
    global _PG
    if _PG is None:
        _PG = PgCluster().start()
    return _PG


HAPROXY = shutil.which("haproxy", path="/usr/sbin:/usr/bin")


def haproxy_config(port, server_ports, log=None, check_interval=None):
    """etc/haproxy/neutrino.cfg as the tests run it: listening on 127.0.0.1:'port', in front
    of the servers on 127.0.0.1:'server_ports', logging to 'log' (e.g. "stderr") or nowhere,
    health checks every 'check_interval' if given."""
    text = (REPO / "etc" / "haproxy" / "neutrino.cfg").read_text()
    text = text.replace("log /dev/log local0", "log %s local0" % log if log else "")
    text = re.sub(r"(?m)^(\s*)bind \S+$", r"\g<1>bind 127.0.0.1:%d" % port, text)
    text = re.sub(r"(?m)^\s*server .*\n", "", text)
    if check_interval:
        text = re.sub(r"\binter \S+", "inter " + check_interval, text)
    return text + "".join("    server neutrino%d 127.0.0.1:%d check\n" % (i + 1, p)
                          for i, p in enumerate(server_ports))


def pytest_sessionfinish(session, exitstatus):
    if _PG is not None:
        _PG.stop()


def base_config(db_path):
    """The default configuration, as {section: {option: value}}."""
    return {
        "DEFAULT": {
            "bind_host": "127.0.0.1",
            "bind_port": "0",
            "auth_strategy": "noauth",
            "base_mac": "fa:16:3e:00:00:00",
            "global_physnet_mtu": "1500",
            "host": "controller.home.local",
            "noauth_project_id": ADMIN_PROJECT,
        },
        "database": {"connection": (pg_cluster().url(pg_cluster().new_database()) if USE_PG
                                    else "sqlite:///" + str(db_path))},
        "ml2": {"tenant_network_types": "vlan"},
        "ml2_type_flat": {"flat_networks": "provider"},
        "ml2_type_vlan": {"network_vlan_ranges": "provider:1000:1999"},
    }


def write_ini(path, sections):
    lines = []
    for section, options in sections.items():
        lines.append("[%s]" % section)
        for key, value in options.items():
            if value is not None:
                lines.append("%s = %s" % (key, value))
        lines.append("")
    Path(path).write_text("\n".join(lines))


def merge_config(base, overrides):
    out = {s: dict(o) for s, o in base.items()}
    for section, options in (overrides or {}).items():
        out.setdefault(section, {}).update(options)
    return out


class ApiError(AssertionError):
    pass


class Server:
    """One neutrino-server process (or an external server) plus HTTP helpers."""

    def __init__(self, workdir, overrides=None, extra_files=()):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.dir / "neutrino.db"
        self.conf_path = self.dir / "neutrino.conf"
        self.config = merge_config(base_config(self.db_path), overrides)
        write_ini(self.conf_path, self.config)
        self.extra_files = []
        for i, extra in enumerate(extra_files):
            p = self.dir / ("extra-%d.conf" % i)
            write_ini(p, extra)
            self.extra_files.append(p)
        self.proc = None
        self.url = EXTERNAL_URL.rstrip("/") if EXTERNAL_URL else None
        self.stderr_path = self.dir / "server.stderr"
        self.stdout_path = self.dir / "server.stdout"
        self.starts = 0
        self.session = requests.Session()
        self._drain = None

    # ------------------------------------------------------------------ process control
    @property
    def external(self):
        return EXTERNAL_URL is not None

    def command(self):
        cmd = [SERVER_BIN, "--config-file", str(self.conf_path)]
        for p in self.extra_files:
            cmd += ["--config-file", str(p)]
        return cmd

    def start(self, timeout=START_TIMEOUT):
        if self.external:
            return self
        if not os.access(SERVER_BIN, os.X_OK):
            pytest.fail("server binary %s not found (build it: meson setup build && "
                        "ninja -C build, or set NEUTRINO_SERVER)" % SERVER_BIN)
        self.starts += 1
        err = open(self.stderr_path, "ab")
        err.write(b"---- start %d\n" % self.starts)
        err.flush()
        self.proc = subprocess.Popen(self.command(), stdout=subprocess.PIPE, stderr=err,
                                     stdin=subprocess.DEVNULL, cwd=str(self.dir))
        err.close()
        line = self._read_line(timeout)
        m = LISTEN_RE.match(line.decode("utf-8", "replace").rstrip("\r\n"))
        if not m:
            self.kill()
            raise AssertionError("unexpected first stdout line %r; stderr:\n%s"
                                 % (line, self.stderr_tail()))
        self.url = m.group(1)
        self.port = int(m.group(3))
        # keep draining stdout so the server can never block on a full pipe
        self._drain = threading.Thread(target=self._drain_stdout, args=(self.proc,),
                                       daemon=True)
        self._drain.start()
        self.session = requests.Session()
        return self

    def _read_line(self, timeout):
        deadline = time.monotonic() + timeout
        buf = b""
        fd = self.proc.stdout.fileno()
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise AssertionError("server printed no listening line within %.0fs; "
                                     "stdout so far %r; stderr:\n%s"
                                     % (timeout, buf, self.stderr_tail()))
            ready, _, _ = select.select([fd], [], [], min(left, 0.2))
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    rc = self.proc.wait(timeout=5)
                    raise AssertionError("server exited (rc=%s) before listening; stderr:\n%s"
                                         % (rc, self.stderr_tail()))
                buf += chunk
        line, rest = buf.split(b"\n", 1)
        if rest:
            with open(self.stdout_path, "ab") as f:
                f.write(rest)
        return line

    def _drain_stdout(self, proc):
        try:
            with open(self.stdout_path, "ab") as f:
                while True:
                    chunk = os.read(proc.stdout.fileno(), 4096)
                    if not chunk:
                        break
                    f.write(chunk)
                    f.flush()
        except (OSError, ValueError):
            pass

    def stderr_tail(self, n=4000):
        try:
            return self.stderr_path.read_bytes()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        if self.external:
            return True
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10):
        """SIGTERM, wait; SIGKILL if it does not exit. Returns the exit status."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self._close(proc)
        return proc.returncode

    def kill(self):
        """kill -9 by PID and reap."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(timeout=10)
        self._close(proc)
        return proc.returncode

    def _close(self, proc):
        if self._drain is not None:
            self._drain.join(timeout=2)
            self._drain = None
        try:
            proc.stdout.close()
        except Exception:
            pass
        self.session.close()

    def restart(self, hard=False):
        """Restart on the same database; hard=True uses kill -9 first."""
        if hard:
            self.kill()
        else:
            self.stop()
        return self.start()

    # ------------------------------------------------------------------ HTTP helpers
    def request(self, method, path, json_body=None, data=None, headers=None, params=None,
                project=None, session=None, timeout=HTTP_TIMEOUT):
        hdrs = {"Accept": "application/json"}
        if json_body is not None or data is not None:
            hdrs["Content-Type"] = "application/json"
        if project is not None:
            hdrs["X-Project-Id"] = project
        hdrs.update(headers or {})
        if json_body is not None:
            data = json.dumps(json_body)
        s = session or self.session
        return s.request(method, self.url + path, data=data, headers=hdrs, params=params,
                         timeout=timeout)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json_body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, json_body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def ok(self, resp, status):
        if resp.status_code != status:
            raise ApiError("%s %s: expected %d, got %d: %s" % (
                resp.request.method, resp.request.url, status, resp.status_code,
                resp.text[:2000]))
        return resp.json() if resp.content else None

    def create(self, kind, project=None, **attrs):
        """POST /v2.0/<kind>s and return the created object (asserts 201)."""
        r = self.post("/v2.0/%ss" % kind, {kind: attrs}, project=project)
        return self.ok(r, 201)[kind]

    def show(self, kind, obj_id, **kw):
        return self.ok(self.get("/v2.0/%ss/%s" % (kind, obj_id), **kw), 200)[kind]

    def update(self, kind, obj_id, **attrs):
        return self.ok(self.put("/v2.0/%ss/%s" % (kind, obj_id), {kind: attrs}), 200)[kind]

    def remove(self, kind, obj_id):
        self.ok(self.delete("/v2.0/%ss/%s" % (kind, obj_id)), 204)

    def list(self, coll, params=None, **kw):
        return self.ok(self.get("/v2.0/" + coll, params=params, **kw), 200)[coll]

    def vlan_network(self, name="net", **attrs):
        return self.create("network", name=name, **attrs)

    def subnet(self, network_id, cidr, **attrs):
        attrs.setdefault("ip_version", 6 if ":" in cidr else 4)
        return self.create("subnet", network_id=network_id, cidr=cidr, **attrs)

    def snapshot(self):
        """Every network, subnet and port as the API lists them, keyed by id."""
        snap = {}
        for coll in ("networks", "subnets", "ports"):
            snap[coll] = {o["id"]: o for o in self.list(coll)}
        return snap

    def cleanup_all(self):
        """Delete everything (external mode only, to keep tests independent)."""
        for p in self.list("ports"):
            if p["device_owner"] != "network:dhcp":
                self.delete("/v2.0/ports/" + p["id"])
        for s in self.list("subnets"):
            self.delete("/v2.0/subnets/" + s["id"])
        for n in self.list("networks"):
            self.delete("/v2.0/networks/" + n["id"])


def assert_neutron_error(resp, status, etype=None):
    """Status matches and the body is {"NeutronError": {type, message, detail}}."""
    assert resp.status_code == status, "%s %s: expected %d got %d: %s" % (
        resp.request.method, resp.request.path_url, status, resp.status_code, resp.text[:1000])
    try:
        body = resp.json()
    except ValueError:
        raise AssertionError("error body is not JSON: %r" % resp.text[:500])
    assert isinstance(body, dict) and set(body) == {"NeutronError"}, body
    err = body["NeutronError"]
    assert isinstance(err, dict), body
    assert {"type", "message", "detail"} <= set(err), err
    assert isinstance(err["message"], str) and err["message"], err
    if etype is not None:
        assert err["type"] == etype, "expected type %s, got %s (%s)" % (
            etype, err["type"], err["message"])
    return err


# ---------------------------------------------------------------------- fixtures
@pytest.fixture
def make_server(tmp_path):
    """Factory: make_server(overrides=None, extra_files=(), start=True) -> Server."""
    servers = []

    def make(overrides=None, extra_files=(), start=True, name=None):
        d = tmp_path / (name or ("srv%d" % len(servers)))
        s = Server(d, overrides=overrides, extra_files=extra_files)
        servers.append(s)
        if start:
            s.start()
            if s.external:
                s.cleanup_all()
        return s

    yield make
    for s in servers:
        s.kill()


class Agent:
    """neutrino-agent talking to a server, without a switch: its OVSDB
    remote is a socket nobody listens on, so it only follows the feed and
    reports its state (enough to see how it authenticates)."""

    def __init__(self, workdir, server_url, sections):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "agent.conf"
        conf = {
            "DEFAULT": {"host": "agent-%s" % self.dir.name,
                        "state_path": str(self.dir / "state")},
            "ovs": {"ovsdb_connection": "unix:%s" % (self.dir / "none.sock"),
                    "of_listen_address": "127.0.0.1",
                    "of_listen_port": str(free_tcp_port())},
            "agent": {"server_url": server_url, "report_interval": "1"},
        }
        conf = merge_config(conf, sections)
        write_ini(self.conf, conf)
        self.host = conf["DEFAULT"]["host"]
        self.log = self.dir / "agent.log"
        self.proc = None

    def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([AGENT_BIN, "--config-file", str(self.conf)],
                                         stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        return self

    def log_text(self):
        return self.log.read_text(errors="replace")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def make_agent(tmp_path):
    """Factory: make_agent(server_url, sections) -> a started Agent whose
    configuration is merged with 'sections' ({section: {option: value}})."""
    agents = []

    def make(server_url, sections=None):
        a = Agent(tmp_path / ("agent%d" % len(agents)), server_url, sections or {})
        agents.append(a)
        return a.start()

    yield make
    for a in agents:
        a.kill()


@pytest.fixture
def server(make_server):
    return make_server()


@pytest.fixture(scope="module")
def module_server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("modsrv"))
    try:
        s.start()
        if s.external:
            s.cleanup_all()
        yield s
    finally:
        s.kill()


# ---------------------------------------------------------------------- openstack CLI
class OSCError(AssertionError):
    def __init__(self, args, rc, out, err):
        super().__init__("openstack %s -> rc %d\nstdout: %s\nstderr: %s"
                         % (" ".join(args), rc, out[-2000:], err[-2000:]))
        self.rc, self.stdout, self.stderr = rc, out, err


def osc_env(home):
    """A clean environment: no OS_* variables or clouds.yaml can leak in."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8"}


def run_osc(url, home, *args, fmt="json", check=True, timeout=120):
    """Run the real `openstack` CLI against `url` with noauth.

    The incantation: --os-auth-type none --os-endpoint <url> (equivalently the environment
    variables OS_AUTH_TYPE=none OS_ENDPOINT=<url>).  openstacksdk first GETs <url>/ for version
    discovery and then talks to the v2.0 self link it finds there.
    """
    argv = [OSC_BIN, "--os-auth-type", "none", "--os-endpoint", url] + list(args)
    if fmt is not None:
        argv += ["-f", fmt]
    p = subprocess.run(argv, env=osc_env(home), capture_output=True, text=True,
                       timeout=timeout)
    if check and p.returncode != 0:
        raise OSCError(list(args), p.returncode, p.stdout, p.stderr)
    if not check:
        return p
    if fmt == "json":
        return json.loads(p.stdout) if p.stdout.strip() else None
    return p.stdout


@pytest.fixture
def osc(server, tmp_path):
    home = tmp_path / "osc-home"
    home.mkdir(exist_ok=True)

    def call(*args, fmt="json", check=True):
        return run_osc(server.url, home, *args, fmt=fmt, check=check)

    return call


def parse_table(text):
    """Parse a cliff/prettytable box into a list of rows (lists of cell strings).

    Column boundaries come from the '+---+---+' border lines, so values may contain '|'.
    The first row is the header.
    """
    rows = []
    cuts = None
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            continue
        if line.startswith("+"):
            cuts = [i for i, ch in enumerate(line) if ch == "+"]
            continue
        assert cuts and line.startswith("|"), "not a table line: %r" % line
        rows.append([line[a + 1:b].strip() for a, b in zip(cuts, cuts[1:])])
    return rows


def table_to_dict(text):
    rows = parse_table(text)
    assert rows and rows[0] == ["Field", "Value"], rows[:1]
    return {r[0]: r[1] for r in rows[1:]}


def new_id():
    return str(uuid.uuid4())
