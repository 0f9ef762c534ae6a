"""auth_strategy = keystone against a real Keystone (tests/keystone/keystone.sh).

One Keystone serves the module (started fresh in a temp directory, ~40 s on
these machines); its catalog's network endpoint is NET_PORT, where each
test's neutrino-server listens.  Tokens come from keystoneauth1 (what the
openstack CLI uses), except where the CLI itself is the point.

Skipped when Keystone is not installed (scripts/install-deps.sh installs it)
or when the tests run against an external server.
"""

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import OSC_BIN, REPO, needs_process, osc_env

KEYSTONE_SH = REPO / "tests" / "keystone" / "keystone.sh"
VALIDATION_RE = re.compile(r"GET /v3/auth/tokens\?nocatalog => .*HTTP/1.1 (\d+)")

pytestmark = [
    needs_process,
    pytest.mark.skipif(not (shutil.which("keystone-manage")
                            and shutil.which("uwsgi")),
                       reason="Keystone not installed (scripts/install-deps.sh)"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Keystone:
    def __init__(self, workdir, net_port):
        self.dir = Path(workdir)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.net_port = net_port
        self.net_url = "http://127.0.0.1:%d" % net_port
        self.start_seconds = []

    def start(self):
        t0 = time.monotonic()
        p = subprocess.run([str(KEYSTONE_SH), "start", str(self.dir),
                            str(self.port), self.net_url],
                           capture_output=True, text=True, timeout=300)
        if p.returncode:
            raise AssertionError("keystone.sh start failed:\n%s\n%s"
                                 % (p.stdout[-3000:], p.stderr[-3000:]))
        self.start_seconds.append(time.monotonic() - t0)

    def stop(self):
        subprocess.run([str(KEYSTONE_SH), "stop", str(self.dir)], timeout=60)

    def env(self, user, project, password="secret"):
        return {"OS_AUTH_URL": self.url + "/v3", "OS_IDENTITY_API_VERSION": "3",
                "OS_USERNAME": user, "OS_PASSWORD": password,
                "OS_PROJECT_NAME": project, "OS_USER_DOMAIN_NAME": "Default",
                "OS_PROJECT_DOMAIN_NAME": "Default",
                "OS_REGION_NAME": "RegionOne", "OS_INTERFACE": "public"}

    def token(self, user, project, password="secret"):
        """A fresh token and the project id it is scoped to."""
        r = requests.post(self.url + "/v3/auth/tokens?nocatalog", timeout=60, json={
            "auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": user, "password": password, "domain": {"name": "Default"}}}},
                "scope": {"project": {"name": project,
                                      "domain": {"name": "Default"}}}}})
        assert r.status_code == 201, r.text
        return r.headers["X-Subject-Token"], r.json()["token"]["project"]["id"]

    def validations(self):
        """Answers Keystone gave to GET /v3/auth/tokens so far (from its log)."""
        log = (self.dir / "uwsgi.log").read_text(errors="replace")
        return [int(m.group(1)) for m in VALIDATION_RE.finditer(log)]

    def validations_since(self, before, expected):
        """The answers after the first 'before', once there are at least
        'expected' of them or 3 s passed: uwsgi logs a request after
        answering it, so a line may lag behind our response."""
        deadline = time.monotonic() + 3
        while True:
            got = self.validations()[before:]
            if len(got) >= expected or time.monotonic() > deadline:
                time.sleep(0.3)  # Any extra line would show up too.
                return self.validations()[before:]
            time.sleep(0.05)


@pytest.fixture(scope="module")
def keystone(tmp_path_factory):
    ks = Keystone(tmp_path_factory.mktemp("keystone"), free_port())
    try:
        ks.start()
        print("keystone: fresh start %.1f s" % ks.start_seconds[0])
        yield ks
    finally:
        ks.stop()


@pytest.fixture
def ks_server(make_server, keystone):
    """Factory: a neutrino-server on the catalog's port, authenticating with
    Keystone; keyword arguments override [keystone_authtoken] options."""

    def make(**authtoken):
        opts = {"www_authenticate_uri": keystone.url,
                "auth_url": keystone.url + "/v3", "auth_type": "password",
                "username": "neutron", "password": "secret",
                "project_name": "service", "user_domain_name": "Default",
                "project_domain_name": "Default", "region_name": "RegionOne",
                "memcached_servers": "127.0.0.1:11211"}
        opts.update({k: str(v) for k, v in authtoken.items()})
        return make_server({"DEFAULT": {"auth_strategy": "keystone",
                                        "bind_port": str(keystone.net_port)},
                            "keystone_authtoken": opts})

    return make


def get(server, path, token=None, **headers):
    if token is not None:
        headers["X-Auth-Token"] = token
    return requests.get(server.url + path, headers=headers, timeout=60)


def post(server, path, body, token):
    return requests.post(server.url + path, json=body, timeout=60,
                         headers={"X-Auth-Token": token})


def assert_unauthorized(resp, keystone):
    assert resp.status_code == 401, resp.text
    assert resp.headers["WWW-Authenticate"] == 'Keystone uri="%s"' % keystone.url
    assert resp.json() == {"error": {
        "code": 401, "title": "Unauthorized",
        "message": "The request you have made requires authentication."}}


def test_missing_and_forged_tokens(ks_server, keystone):
    server = ks_server()
    # The version document stays public, as in neutron-server's pipeline.
    assert get(server, "/").status_code == 200
    assert_unauthorized(get(server, "/v2.0/networks"), keystone)
    assert_unauthorized(get(server, "/v2.0/"), keystone)
    assert_unauthorized(get(server, "/v2.0/networks", token=""), keystone)
    # Never sent to Keystone: blanks and control characters.
    assert_unauthorized(get(server, "/v2.0/networks", token="a b"), keystone)
    before = len(keystone.validations())
    forged = "gAAAAABforged" + "x" * 170
    for _ in range(3):
        assert_unauthorized(get(server, "/v2.0/networks", token=forged), keystone)
    # A token made with someone else's key: structurally valid, forged.
    real, _ = keystone.token("member1", "demo1")
    tampered = real[:-8] + ("A" * 8 if real[-8:] != "A" * 8 else "B" * 8)
    assert_unauthorized(get(server, "/v2.0/ports", token=tampered), keystone)
    # The rejected token was remembered: one validation for three requests.
    assert keystone.validations_since(before, 2) == [404, 404]


def test_openstack_cli_admin(ks_server, keystone, tmp_path):
    """The stock CLI with normal Keystone credentials finds neutrino in the
    catalog and works as admin."""
    server = ks_server()
    env = dict(osc_env(tmp_path), **keystone.env("admin", "admin", "admin-secret"))

    def osc(*args):
        p = subprocess.run([OSC_BIN] + list(args) + ["-f", "json"], env=env,
                           capture_output=True, text=True, timeout=180)
        assert p.returncode == 0, p.stderr
        return __import__("json").loads(p.stdout) if p.stdout.strip() else None

    _, admin_project = keystone.token("admin", "admin", "admin-secret")
    net = osc("network", "create", "--share", "--provider-network-type", "flat",
              "--provider-physical-network", "provider", "provider")
    assert net["project_id"] == admin_project
    assert net["provider:network_type"] == "flat"
    subnet = osc("subnet", "create", "--network", "provider", "--subnet-range",
                 "203.0.113.0/24", "--gateway", "203.0.113.1", "provider-v4")
    assert subnet["project_id"] == admin_project
    port = osc("port", "create", "--network", "provider", "p1")
    assert port["project_id"] == admin_project
    assert [n["Name"] for n in osc("network", "list")] == ["provider"]
    names = sorted(p["Name"] for p in osc("port", "list"))
    assert "p1" in names


NEUTRINO_CLI = os.environ.get("NEUTRINO_CLI") or str(REPO / "build" / "neutrino")


def test_neutrino_cli_with_keystone(ks_server, keystone, tmp_path):
    """The neutrino CLI with the usual OS_* credentials: a token from
    Keystone v3, the network endpoint from its catalog, the same output as
    the openstack CLI; refused credentials as keystoneauth says it."""
    server = ks_server()
    env = dict(osc_env(tmp_path), **keystone.env("admin", "admin", "admin-secret"))

    def run(argv0, *args, extra_env=None):
        return subprocess.run([argv0] + list(args), capture_output=True, text=True,
                              timeout=180, env=dict(env, **(extra_env or {})))

    _, admin_project = keystone.token("admin", "admin", "admin-secret")
    p = run(NEUTRINO_CLI, "network", "create", "--provider-network-type", "flat",
            "--provider-physical-network", "provider", "provider", "-f", "json")
    assert p.returncode == 0, p.stderr
    assert __import__("json").loads(p.stdout)["project_id"] == admin_project
    mine = run(NEUTRINO_CLI, "network", "show", "provider")
    theirs = run(OSC_BIN, "network", "show", "provider")
    assert mine.returncode == theirs.returncode == 0, (mine.stderr, theirs.stderr)
    assert mine.stdout == theirs.stdout
    # Options instead of variables: another user, the token's project.
    _, demo1 = keystone.token("member1", "demo1")
    p = run(NEUTRINO_CLI, "--os-username", "member1", "--os-password", "secret",
            "--os-project-name", "demo1", "port", "create", "--network",
            "provider", "p1", "-f", "value", "-c", "project_id")
    assert p.returncode == 0, p.stderr
    assert p.stdout == demo1 + "\n"
    bad = run(NEUTRINO_CLI, "network", "list", extra_env={"OS_PASSWORD": "wrong"})
    assert bad.returncode == 1
    assert re.fullmatch(r"The request you have made requires authentication\. "
                        r"\(HTTP 401\) \(Request-ID: req-[0-9a-f-]+\)\n",
                        bad.stderr), bad.stderr
    p = run(NEUTRINO_CLI, "network", "list", extra_env={"OS_REGION_NAME": "Nowhere"})
    assert p.returncode == 1
    assert p.stderr == "public endpoint for network service in Nowhere region " \
        "not found\n"
    # The same credentials from clouds.yaml, OS_CLOUD naming the entry.
    conf = tmp_path / ".config" / "openstack"
    conf.mkdir(parents=True)
    (conf / "clouds.yaml").write_text(
        "clouds:\n  lab:\n    auth:\n      auth_url: %s/v3\n"
        "      username: admin\n      password: admin-secret\n"
        "      project_name: admin\n      user_domain_name: Default\n"
        "      project_domain_name: Default\n    region_name: RegionOne\n"
        % keystone.url)
    env = dict(osc_env(tmp_path), OS_CLOUD="lab")
    mine = run(NEUTRINO_CLI, "network", "show", "provider")
    theirs = run(OSC_BIN, "network", "show", "provider")
    assert mine.returncode == theirs.returncode == 0, (mine.stderr, theirs.stderr)
    assert mine.stdout == theirs.stdout
    p = run(NEUTRINO_CLI, "--os-cloud", "elsewhere", "network", "list")
    assert p.returncode == 1 and p.stderr == "Cloud elsewhere was not found.\n"


def test_context_is_the_tokens(ks_server, keystone):
    """Objects belong to the token's project; X-Project-Id is ignored."""
    server = ks_server()
    admin, _ = keystone.token("admin", "admin", "admin-secret")
    m1, demo1 = keystone.token("member1", "demo1")
    m2, demo2 = keystone.token("member2", "demo2")
    shared = post(server, "/v2.0/networks", {"network": {
        "name": "provider", "shared": True, "provider:network_type": "flat",
        "provider:physical_network": "provider"}}, admin)
    assert shared.status_code == 201, shared.text
    net_id = shared.json()["network"]["id"]

    r = requests.post(server.url + "/v2.0/networks", timeout=60,
                      json={"network": {"name": "own"}},
                      headers={"X-Auth-Token": m1, "X-Project-Id": demo2})
    assert r.status_code == 201, r.text
    assert r.json()["network"]["project_id"] == demo1
    assert r.json()["network"]["tenant_id"] == demo1
    r = post(server, "/v2.0/ports", {"port": {"network_id": net_id}}, m2)
    assert r.status_code == 201, r.text
    assert r.json()["port"]["project_id"] == demo2


def test_concurrent_requests_share_one_validation(ks_server, keystone):
    server = ks_server()
    token, _ = keystone.token("member1", "demo1")
    before = len(keystone.validations())
    results = []

    def worker():
        results.append(get(server, "/v2.0/networks", token=token).status_code)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 16
    assert keystone.validations_since(before, 1) == [200]
    # Cached from now on.
    assert get(server, "/v2.0/ports", token=token).status_code == 200
    assert keystone.validations_since(before, 1) == [200]


def test_revoked_token(ks_server, keystone, tmp_path):
    """A revoked token is refused once its cache entry lapses, i.e. up to
    token_cache_time after it was validated (300 s by default, as
    keystonemiddleware); 3 s here."""
    server = ks_server(token_cache_time=3)
    token, _ = keystone.token("member1", "demo1")
    assert get(server, "/v2.0/networks", token=token).status_code == 200
    validated = time.monotonic()
    env = dict(osc_env(tmp_path), **keystone.env("member1", "demo1"))
    p = subprocess.run([OSC_BIN, "token", "revoke", token], env=env,
                       capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr
    if time.monotonic() - validated < 2.5:
        assert get(server, "/v2.0/networks", token=token).status_code == 200
    time.sleep(max(0, validated + 3.1 - time.monotonic()))
    assert_unauthorized(get(server, "/v2.0/networks", token=token), keystone)


def test_service_token_renewed(ks_server, keystone):
    """When Keystone revokes the server's own token (here: the service
    user's password is set, which revokes that user's tokens), the next
    validation gets 401, and the server authenticates again and retries."""
    server = ks_server()
    first, _ = keystone.token("member1", "demo1")
    assert get(server, "/v2.0/networks", token=first).status_code == 200
    admin, _ = keystone.token("admin", "admin", "admin-secret")
    hdrs = {"X-Auth-Token": admin}
    users = requests.get(keystone.url + "/v3/users?name=neutron", headers=hdrs,
                         timeout=60).json()["users"]
    r = requests.patch(keystone.url + "/v3/users/" + users[0]["id"], headers=hdrs,
                       json={"user": {"password": "secret"}}, timeout=60)
    assert r.status_code == 200, r.text
    # Revocation events have one-second resolution: a token issued within
    # the same second would be revoked too.
    time.sleep(1.1)
    second, _ = keystone.token("member2", "demo2")
    before = len(keystone.validations())
    assert get(server, "/v2.0/networks", token=second).status_code == 200
    assert keystone.validations_since(before, 2) == [401, 200]


def test_keystone_down(ks_server, keystone):
    """Cached tokens keep working without Keystone; new ones get 503.
    Runs last: it restarts Keystone."""
    server = ks_server()
    cached, _ = keystone.token("member1", "demo1")
    fresh, _ = keystone.token("member2", "demo2")
    assert get(server, "/v2.0/networks", token=cached).status_code == 200
    keystone.stop()
    try:
        r = get(server, "/v2.0/networks", token=fresh)
        assert r.status_code == 503, r.text
        assert "Keystone" in r.json()["error"]["message"]
        assert get(server, "/v2.0/networks", token=cached).status_code == 200
        assert server.alive()
    finally:
        keystone.start()
        print("keystone: restart %.1f s" % keystone.start_seconds[-1])
    assert get(server, "/v2.0/networks", token=fresh).status_code == 200
