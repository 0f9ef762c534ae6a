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

from conftest import (OSC_BIN, REPO, assert_neutron_error, needs_process,
                      osc_env)

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


def authtoken_opts(keystone, **more):
    """[keystone_authtoken] of a server that checks tokens with 'keystone',
    as the service user neutron."""
    return dict({"www_authenticate_uri": keystone.url,
                 "auth_url": keystone.url + "/v3", "auth_type": "password",
                 "username": "neutron", "password": "secret",
                 "project_name": "service", "user_domain_name": "Default",
                 "project_domain_name": "Default"}, **more)


@pytest.fixture
def ks_server(make_server, keystone):
    """Factory: a neutrino-server on the catalog's port, authenticating with
    Keystone; keyword arguments override [keystone_authtoken] options."""

    def make(sections=None, **authtoken):
        """'sections': more of the server's configuration, by section."""
        opts = authtoken_opts(keystone, region_name="RegionOne",
                              memcached_servers="127.0.0.1:11211")
        opts.update({k: str(v) for k, v in authtoken.items()})
        return make_server(dict({"DEFAULT": {
            "auth_strategy": "keystone",
            "bind_port": str(keystone.net_port)},
            "keystone_authtoken": opts}, **(sections or {})))

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


def test_agent_paths_need_admin_or_service_role(ks_server, keystone):
    """/neutrino/v1/ is the agents' API: a token with the admin or service
    role (an agent's service user), 403 for any other, 401 without one."""
    server = ks_server()
    feed = "/neutrino/v1/feed?timeout=0"
    report = {"agent_state": {"binary": "neutrino-agent", "host": "h1",
                              "topic": "N/A", "agent_type": "Open vSwitch agent",
                              "configurations": {}}}
    assert_unauthorized(get(server, feed), keystone)
    assert_unauthorized(get(server, feed, "forged"), keystone)
    for user, project in (("member1", "demo1"), ("reader1", "demo1")):
        token, _ = keystone.token(user, project)
        assert_neutron_error(get(server, feed, token), 403, "PolicyNotAuthorized")
        assert_neutron_error(post(server, "/neutrino/v1/agents/report", report,
                                  token), 403, "PolicyNotAuthorized")
    admin, _ = keystone.token("neutron", "service")
    assert get(server, "/v2.0/agents", admin).json() == {"agents": []}
    for user, project, password in (("agent", "service", "secret"),
                                    ("neutron", "service", "secret"),
                                    ("admin", "admin", "admin-secret")):
        token, _ = keystone.token(user, project, password)
        resp = get(server, feed, token)
        assert resp.status_code == 200 and resp.json()["resync"] is True
        resp = post(server, "/neutrino/v1/agents/report", report, token)
        assert resp.status_code == 200, resp.text
    assert [a["host"] for a in get(server, "/v2.0/agents", admin).json()["agents"]] \
        == ["h1"]
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
            "--provider-physical-network", "provider", "--share", "provider",
            "-f", "json")
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


def agent_sections(keystone, **override):
    """An agent configuration for auth_strategy = keystone, as the agent
    user (service role only) unless overridden."""
    ks = {"auth_url": keystone.url + "/v3", "username": "agent",
          "password": "secret", "project_name": "service",
          "user_domain_name": "Default", "project_domain_name": "Default"}
    ks.update(override)
    return {"DEFAULT": {"auth_strategy": "keystone"}, "keystone_authtoken": ks}


def wait_log(agent, text, timeout=60.0):
    """Waits until 'text' is in the log of 'agent'."""
    deadline = time.monotonic() + timeout
    while text not in agent.log_text():
        assert time.monotonic() < deadline, agent.log_text()[-2000:]
        time.sleep(0.2)


def alive_agents(server, token, hosts=(), timeout=30.0):
    """Hosts with an alive Open vSwitch agent, once 'hosts' are among them
    (or 'timeout' passed)."""
    deadline = time.monotonic() + timeout
    while True:
        agents = get(server, "/v2.0/agents", token).json()["agents"]
        alive = {a["host"] for a in agents
                 if a["agent_type"] == "Open vSwitch agent" and a["alive"]}
        if set(hosts) <= alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def test_agent_authenticates_as_service_user(ks_server, keystone, make_agent):
    """The real agent end to end: a service user's token on every call; a
    member's token gets 403 and wrong credentials get no token, so neither
    agent is heard of."""
    server = ks_server()
    good = make_agent(server.url, agent_sections(keystone))
    member = make_agent(server.url, agent_sections(
        keystone, username="member1", project_name="demo1"))
    wrong = make_agent(server.url, agent_sections(keystone, password="nope"))
    admin, _ = keystone.token("neutron", "service")
    assert alive_agents(server, admin, [good.host]) == {good.host}
    # A slow Keystone can time the member's first reports out (HTTP 0)
    # while its token is still coming; the 403 follows.
    wait_log(member, "state report failed (HTTP 403)")
    wait_log(wrong, "cannot get a Keystone token (refused, HTTP 401)")
    assert "got a Keystone token" in good.log_text()
    assert alive_agents(server, admin) == {good.host}


def test_agent_renews_a_refused_token(ks_server, keystone, make_agent):
    """When its token is revoked (the agent user's password is set), the
    server answers the agent 401; the agent gets a new token and goes on."""
    server = ks_server(token_cache_time=-1)
    agent = make_agent(server.url, agent_sections(keystone))
    admin, _ = keystone.token("neutron", "service")
    assert alive_agents(server, admin, [agent.host]) == {agent.host}
    root, _ = keystone.token("admin", "admin", "admin-secret")
    hdrs = {"X-Auth-Token": root}
    users = requests.get(keystone.url + "/v3/users?name=agent", headers=hdrs,
                         timeout=60).json()["users"]
    r = requests.patch(keystone.url + "/v3/users/" + users[0]["id"], headers=hdrs,
                       json={"user": {"password": "secret"}}, timeout=60)
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 30
    while agent.log_text().count("got a Keystone token") < 2:
        assert time.monotonic() < deadline, agent.log_text()[-2000:]
        time.sleep(0.2)
    assert "the server refused the Keystone token" in agent.log_text()
    # Still heard of after its next reports, with the new token.
    before = get(server, "/v2.0/agents", admin).json()["agents"][0]
    time.sleep(2.5)
    after = get(server, "/v2.0/agents", admin).json()["agents"][0]
    assert after["heartbeat_timestamp"] > before["heartbeat_timestamp"]


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


def test_security_groups_of_members(ks_server, keystone):
    """Default groups and group ownership follow the token's project."""
    server = ks_server()
    admin, _ = keystone.token("admin", "admin", "admin-secret")
    m1, demo1 = keystone.token("member1", "demo1")
    m2, demo2 = keystone.token("member2", "demo2")

    def groups(token, **params):
        r = requests.get(server.url + "/v2.0/security-groups", params=params,
                         timeout=60, headers={"X-Auth-Token": token})
        assert r.status_code == 200, r.text
        return r.json()["security_groups"]

    # a member's list makes its own default group, never another project's
    assert groups(m1, project_id=demo2) == []
    (own,) = groups(m1, project_id=demo1)
    assert own["name"] == "default"
    # a member cannot delete its default group; an admin can
    r = requests.delete(server.url + "/v2.0/security-groups/" + own["id"],
                        timeout=60, headers={"X-Auth-Token": m1})
    assert r.status_code == 409, r.text
    assert r.json()["NeutronError"]["type"] == "SecurityGroupCannotRemoveDefault"
    # another project's group is not a member's to use
    r = post(server, "/v2.0/security-groups", {"security_group": {"name": "g2"}}, m2)
    assert r.status_code == 201, r.text
    g2 = r.json()["security_group"]["id"]
    shared = post(server, "/v2.0/networks", {"network": {
        "name": "provider", "shared": True, "provider:network_type": "flat",
        "provider:physical_network": "provider"}}, admin)
    assert shared.status_code == 201, shared.text
    net_id = shared.json()["network"]["id"]
    r = post(server, "/v2.0/ports", {"port": {"network_id": net_id,
                                              "security_groups": [g2]}}, m1)
    assert r.status_code == 404, r.text
    assert r.json()["NeutronError"]["type"] == "SecurityGroupNotFound"
    r = post(server, "/v2.0/ports", {"port": {"network_id": net_id}}, m1)
    assert r.status_code == 201, r.text
    assert r.json()["port"]["security_groups"] == [own["id"]]
    r = requests.delete(server.url + "/v2.0/ports/" + r.json()["port"]["id"],
                        timeout=60, headers={"X-Auth-Token": admin})
    assert r.status_code == 204, r.text
    r = requests.delete(server.url + "/v2.0/security-groups/" + own["id"],
                        timeout=60, headers={"X-Auth-Token": admin})
    assert r.status_code == 204, r.text
# ---- Policy: Neutron's default rules between projects (issue 7). ----

def put(server, path, body, token):
    return requests.put(server.url + path, json=body, timeout=60,
                        headers={"X-Auth-Token": token})


def delete(server, path, token):
    return requests.delete(server.url + path, timeout=60,
                           headers={"X-Auth-Token": token})


def assert_error(resp, status, etype, message=None):
    assert resp.status_code == status, resp.text
    err = resp.json()["NeutronError"]
    assert err["type"] == etype, err
    if message is not None:
        assert err["message"] == message, err


def assert_forbidden(resp, expression):
    assert_error(resp, 403, "PolicyNotAuthorized",
                 "%s is disallowed by policy" % expression)


def created(resp, key):
    assert resp.status_code == 201, resp.text
    return resp.json()[key]


@pytest.fixture
def shared_net(ks_server, keystone):
    """A server with the seed's shared flat provider network and subnet,
    made by admin; returns (server, admin token, network, subnet)."""
    server = ks_server()
    admin, _ = keystone.token("admin", "admin", "admin-secret")
    net = created(post(server, "/v2.0/networks", {"network": {
        "name": "provider", "shared": True, "router:external": True,
        "provider:network_type": "flat",
        "provider:physical_network": "provider"}}, admin), "network")
    subnet = created(post(server, "/v2.0/subnets", {"subnet": {
        "network_id": net["id"], "cidr": "203.0.113.0/24", "ip_version": 4,
        "name": "provider-v4"}}, admin), "subnet")
    return server, admin, net, subnet


def test_members_on_the_shared_network(shared_net, keystone):
    server, admin, net, subnet = shared_net
    m1, demo1 = keystone.token("member1", "demo1")
    m2, demo2 = keystone.token("member2", "demo2")
    p1 = created(post(server, "/v2.0/ports", {"port": {
        "network_id": net["id"], "name": "p1"}}, m1), "port")
    p2 = created(post(server, "/v2.0/ports", {"port": {
        "network_id": net["id"], "name": "p2",
        "fixed_ips": [{"subnet_id": subnet["id"]}]}}, m2), "port")
    assert (p1["project_id"], p2["project_id"]) == (demo1, demo2)
    # binding:* but vnic_type is admin-only to read, even on one's own port.
    assert p1["binding:vnic_type"] == "normal"
    assert not any(k in p1 for k in ("binding:host_id", "binding:profile",
                                     "binding:vif_type",
                                     "binding:vif_details"))
    r = get(server, "/v2.0/ports/" + p1["id"], token=admin)
    assert r.json()["port"]["binding:vif_type"] == "unbound"

    # Each sees its own ports only: not the other's, not admin's DHCP port.
    r = get(server, "/v2.0/ports", token=m1)
    assert [p["id"] for p in r.json()["ports"]] == [p1["id"]]
    r = get(server, "/v2.0/ports?network_id=%s&fields=id&fields=name"
            % net["id"], token=m2)
    assert r.json()["ports"] == [{"id": p2["id"], "name": "p2"}]
    assert len(get(server, "/v2.0/ports", token=admin).json()["ports"]) == 3

    # The other's port does not exist for them.
    missing = "Port %s could not be found." % p2["id"]
    assert_error(get(server, "/v2.0/ports/" + p2["id"], token=m1), 404,
                 "PortNotFound", missing)
    assert_error(put(server, "/v2.0/ports/" + p2["id"],
                     {"port": {"name": "x"}}, m1), 404, "PortNotFound", missing)
    assert_error(delete(server, "/v2.0/ports/" + p2["id"], m1), 404,
                 "PortNotFound", missing)
    r = requests.put(server.url + "/v2.0/ports/%s/tags/t" % p2["id"],
                     headers={"X-Auth-Token": m1}, timeout=60)
    assert_error(r, 404, "TagResourceNotFound")
    assert get(server, "/v2.0/ports/" + p2["id"], token=m2).status_code == 200

    # Their own they may change, but not admin-only attributes.
    r = put(server, "/v2.0/ports/" + p1["id"], {"port": {"name": "p1b"}}, m1)
    assert r.status_code == 200 and r.json()["port"]["name"] == "p1b", r.text
    assert_forbidden(
        put(server, "/v2.0/ports/" + p1["id"],
            {"port": {"binding:host_id": "compute1"}}, m1),
        "(rule:update_port and rule:update_port:binding:host_id)")
    assert_forbidden(
        post(server, "/v2.0/ports", {"port": {
            "network_id": net["id"], "binding:host_id": "compute1"}}, m1),
        "(rule:create_port and rule:create_port:binding:host_id)")
    # A chosen address or MAC on someone else's network: network owner only.
    assert_forbidden(
        post(server, "/v2.0/ports", {"port": {
            "network_id": net["id"],
            "fixed_ips": [{"ip_address": "203.0.113.50"}]}}, m1),
        "(rule:create_port and (rule:create_port:fixed_ips and "
        "(rule:create_port:fixed_ips:ip_address)))")
    assert_forbidden(
        post(server, "/v2.0/ports", {"port": {
            "network_id": net["id"], "mac_address": "fa:16:3e:00:00:01"}}, m1),
        "(rule:create_port and rule:create_port:mac_address)")
    assert delete(server, "/v2.0/ports/" + p1["id"], m1).status_code == 204

    # The shared network: visible, provider attributes hidden, not theirs.
    r = get(server, "/v2.0/networks/" + net["id"], token=m1)
    assert r.status_code == 200, r.text
    shown = r.json()["network"]
    assert shown["shared"] is True and shown["router:external"] is True
    assert not any(k.startswith("provider:") for k in shown)
    assert_forbidden(put(server, "/v2.0/networks/" + net["id"],
                         {"network": {"name": "mine"}}, m1),
                     "rule:update_network")
    assert_forbidden(delete(server, "/v2.0/networks/" + net["id"], m1),
                     "rule:delete_network")
    assert_forbidden(put(server, "/v2.0/subnets/" + subnet["id"],
                         {"subnet": {"name": "x"}}, m1), "rule:update_subnet")
    assert get(server, "/v2.0/subnets", token=m2).json()["subnets"][0][
        "id"] == subnet["id"]


def test_members_cannot_make_provider_networks(ks_server, keystone):
    server = ks_server()
    m1, demo1 = keystone.token("member1", "demo1")
    m2, _ = keystone.token("member2", "demo2")
    assert_forbidden(
        post(server, "/v2.0/networks", {"network": {
            "name": "flat", "provider:network_type": "flat",
            "provider:physical_network": "provider"}}, m1),
        "((rule:create_network and rule:create_network:provider:network_type)"
        " and rule:create_network:provider:physical_network)")
    assert_forbidden(
        post(server, "/v2.0/networks", {"network": {"shared": True}}, m1),
        "(rule:create_network and rule:create_network:shared)")
    assert_forbidden(
        post(server, "/v2.0/networks", {"networks": [
            {"name": "ok"}, {"router:external": True}]}, m1),
        "(rule:create_network and rule:create_network:router:external)")
    # Defaults given explicitly are no attribute check, as in Neutron.
    own = created(post(server, "/v2.0/networks", {"network": {
        "name": "own", "shared": False}}, m1), "network")
    assert own["project_id"] == demo1
    assert not any(k.startswith("provider:") for k in own)
    assert_forbidden(put(server, "/v2.0/networks/" + own["id"],
                         {"network": {"shared": True}}, m1),
                     "(rule:update_network and rule:update_network:shared)")

    # A private network of demo1 does not exist for demo2.
    missing = "Network %s could not be found." % own["id"]
    assert_error(get(server, "/v2.0/networks/" + own["id"], token=m2), 404,
                 "NetworkNotFound", missing)
    assert_error(put(server, "/v2.0/networks/" + own["id"],
                     {"network": {"name": "x"}}, m2), 404, "NetworkNotFound")
    assert_error(post(server, "/v2.0/ports", {"port": {
        "network_id": own["id"]}}, m2), 404, "NetworkNotFound", missing)
    assert get(server, "/v2.0/networks", token=m2).json()["networks"] == []
    assert [n["id"] for n in get(server, "/v2.0/networks",
                                 token=m1).json()["networks"]] == [own["id"]]
    # Admin-only resources: an empty list, a hidden object.
    assert get(server, "/v2.0/agents", token=m1).json() == {"agents": []}
    r = get(server, "/v2.0/network-ip-availabilities", token=m1)
    assert r.json() == {"network_ip_availabilities": []}


def test_paging_stays_in_scope(ks_server, keystone):
    """limit/marker count only what the caller may see (the scope is in
    the query's SQL)."""
    server = ks_server()
    m1, _ = keystone.token("member1", "demo1")
    m2, _ = keystone.token("member2", "demo2")
    mine = [created(post(server, "/v2.0/networks",
                         {"network": {"name": "m%d" % i}}, m1), "network")["id"]
            for i in range(3)]
    for i in range(4):
        created(post(server, "/v2.0/networks",
                     {"network": {"name": "o%d" % i}}, m2), "network")
    r = get(server, "/v2.0/networks?limit=2&sort_key=name&sort_dir=asc",
            token=m1).json()
    assert [n["name"] for n in r["networks"]] == ["m0", "m1"]
    nxt = [l["href"] for l in r["networks_links"] if l["rel"] == "next"][0]
    r = requests.get(nxt, headers={"X-Auth-Token": m1}, timeout=60).json()
    assert [n["name"] for n in r["networks"]] == ["m2"]
    assert sorted(n["id"] for n in get(server, "/v2.0/networks", token=m1)
                  .json()["networks"]) == sorted(mine)


def test_reader_is_read_only(ks_server, keystone, make_server):
    """With enforce_new_defaults (Neutron's secure RBAC) a reader reads and
    cannot write; Neutron 21's default (legacy rules also allow) lets any
    role of the project write, as neutron-server 21 does."""
    reader, demo1 = keystone.token("reader1", "demo1")
    m1, _ = keystone.token("member1", "demo1")
    admin, _ = keystone.token("admin", "admin", "admin-secret")
    legacy = ks_server()
    r = post(legacy, "/v2.0/networks", {"network": {"name": "r"}}, reader)
    assert r.status_code == 201, r.text
    legacy.stop()

    server = make_server({"DEFAULT": {"auth_strategy": "keystone",
                                      "bind_port": str(keystone.net_port)},
                          "keystone_authtoken": authtoken_opts(keystone),
                          "oslo_policy": {"enforce_new_defaults": "true"}})
    net = created(post(server, "/v2.0/networks", {"network": {
        "name": "demo1-net"}}, m1), "network")
    assert net["project_id"] == demo1
    r = get(server, "/v2.0/networks", token=reader)
    assert [n["id"] for n in r.json()["networks"]] == [net["id"]]
    assert get(server, "/v2.0/networks/" + net["id"],
               token=reader).status_code == 200
    assert_forbidden(post(server, "/v2.0/networks", {"network": {}}, reader),
                     "rule:create_network")
    assert_forbidden(put(server, "/v2.0/networks/" + net["id"],
                         {"network": {"name": "x"}}, reader),
                     "rule:update_network")
    assert_forbidden(delete(server, "/v2.0/networks/" + net["id"], reader),
                     "rule:delete_network")
    assert_forbidden(post(server, "/v2.0/ports", {"port": {
        "network_id": net["id"]}}, reader), "rule:create_port")
    # Admin is no longer a bypass, but the admin rules let it through.
    assert created(post(server, "/v2.0/networks", {"network": {
        "shared": True}}, admin), "network")["shared"] is True


def test_member_shares_by_rbac(ks_server, keystone, tmp_path):
    """A member shares its network with the other project (the stock CLI;
    a member may not look projects up, so by id); that project then sees it
    shared and uses it; wildcards are admin-only; a policy in use stays."""
    server = ks_server()
    m1, demo1 = keystone.token("member1", "demo1")
    m2, demo2 = keystone.token("member2", "demo2")
    net = created(post(server, "/v2.0/networks",
                       {"network": {"name": "own"}}, m1), "network")
    assert_error(post(server, "/v2.0/ports", {"port": {
        "network_id": net["id"]}}, m2), 404, "NetworkNotFound")
    assert_forbidden(
        post(server, "/v2.0/rbac-policies", {"rbac_policy": {
            "object_type": "network", "object_id": net["id"],
            "action": "access_as_shared", "target_tenant": "*"}}, m1),
        "((((rule:create_rbac_policy and rule:create_rbac_policy:object_type)"
        " and rule:create_rbac_policy:object_id) and "
        "rule:create_rbac_policy:target_tenant) and "
        "rule:create_rbac_policy:action)")

    env = dict(osc_env(tmp_path), **keystone.env("member1", "demo1"))
    p = subprocess.run([OSC_BIN, "network", "rbac", "create", "--type",
                        "network", "--action", "access_as_shared",
                        "--target-project", demo2, "own", "-f", "json"],
                       env=env, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr
    policy = __import__("json").loads(p.stdout)
    assert (policy["target_project_id"], policy["project_id"]) == (demo2,
                                                                   demo1)

    r = get(server, "/v2.0/networks/" + net["id"], token=m2)
    assert r.status_code == 200 and r.json()["network"]["shared"] is True
    # The owner sees it as it is: not shared with everyone.
    assert get(server, "/v2.0/networks/" + net["id"],
               token=m1).json()["network"]["shared"] is False
    port = created(post(server, "/v2.0/ports", {"port": {
        "network_id": net["id"]}}, m2), "port")
    # Policies are their owner's: demo2 neither lists nor deletes it.
    assert get(server, "/v2.0/rbac-policies",
               token=m2).json() == {"rbac_policies": []}
    assert_error(delete(server, "/v2.0/rbac-policies/" + policy["id"], m2),
                 404, "RbacPolicyNotFound")
    assert_error(delete(server, "/v2.0/rbac-policies/" + policy["id"], m1),
                 409, "RbacPolicyInUse")
    assert delete(server, "/v2.0/ports/" + port["id"], m2).status_code == 204
    assert delete(server, "/v2.0/rbac-policies/" + policy["id"],
                  m1).status_code == 204
    assert_error(get(server, "/v2.0/networks/" + net["id"], token=m2), 404,
                 "NetworkNotFound")


def test_quotas(ks_server, keystone):
    """Admin sets quotas through openstacksdk's network proxy, the calls
    `openstack quota set/show` make for networks (the CLI itself also
    needs compute and volume endpoints, which this catalog lacks); a
    member reads its own only and changes none; its creates stop at the
    limit."""
    import openstack

    server = ks_server()
    m1, demo1 = keystone.token("member1", "demo1")
    _, demo2 = keystone.token("member2", "demo2")
    conn = openstack.connect(
        auth_url=keystone.url + "/v3", username="admin",
        password="admin-secret", project_name="admin",
        user_domain_name="Default", project_domain_name="Default",
        region_name="RegionOne")
    q = conn.network.update_quota(demo1, networks=1, subnets=7, ports=9)
    assert (q.networks, q.subnets, q.ports, q.project_id) == (1, 7, 9, demo1)
    q = conn.network.get_quota(demo1, details=True)
    assert q.ports == {"limit": 9, "used": 0, "reserved": 0}
    assert conn.network.get_quota_default(demo1).networks == 100
    assert [(x.project_id, x.networks)
            for x in conn.network.quotas()] == [(demo1, 1)]

    r = get(server, "/v2.0/quotas/" + demo1, token=m1)
    assert r.status_code == 200, r.text
    assert r.json()["quota"]["network"] == 1
    assert get(server, "/v2.0/quotas/%s/details" % demo1,
               token=m1).json()["quota"]["port"]["limit"] == 9
    assert_forbidden(get(server, "/v2.0/quotas/" + demo2, token=m1),
                     "rule:get_quota")
    assert_forbidden(get(server, "/v2.0/quotas", token=m1), "rule:get_quota")
    assert_forbidden(put(server, "/v2.0/quotas/" + demo1,
                         {"quota": {"network": 10}}, m1), "rule:update_quota")
    assert_forbidden(delete(server, "/v2.0/quotas/" + demo1, m1),
                     "rule:delete_quota")

    created(post(server, "/v2.0/networks", {"network": {}}, m1), "network")
    assert_error(post(server, "/v2.0/networks", {"network": {}}, m1), 409,
                 "OverQuota", "Quota exceeded for resources: ['network'].")


def test_members_and_subnet_pools(ks_server, keystone):
    """Neutron's subnetpool policy: a member makes its own pools but not
    shared or default ones; it sees and carves from shared pools without
    changing them; another project's pool does not exist for it."""
    server = ks_server()
    admin, _ = keystone.token("admin", "admin", "admin-secret")
    m1, demo1 = keystone.token("member1", "demo1")
    m2, _ = keystone.token("member2", "demo2")
    body = {"name": "p", "prefixes": ["10.11.0.0/16"], "min_prefixlen": 24}
    for attr, expr in (("shared", "(rule:create_subnetpool and "
                                  "rule:create_subnetpool:shared)"),
                       ("is_default", "(rule:create_subnetpool and "
                                      "rule:create_subnetpool:is_default)")):
        assert_forbidden(post(server, "/v2.0/subnetpools", {"subnetpool": dict(
            body, **{attr: True})}, m1), expr)
    own = created(post(server, "/v2.0/subnetpools", {"subnetpool": body}, m1),
                  "subnetpool")
    assert own["project_id"] == demo1
    shared = created(post(server, "/v2.0/subnetpools", {"subnetpool": dict(
        body, name="s", shared=True, prefixes=["10.22.0.0/16"])}, admin),
        "subnetpool")
    private = created(post(server, "/v2.0/subnetpools", {"subnetpool": dict(
        body, name="a", prefixes=["10.33.0.0/16"])}, admin), "subnetpool")

    names = sorted(p["name"] for p in get(server, "/v2.0/subnetpools",
                                          token=m1).json()["subnetpools"])
    assert names == ["p", "s"]
    missing = "Subnet pool %s could not be found." % private["id"]
    assert_error(get(server, "/v2.0/subnetpools/" + private["id"], token=m1),
                 404, "SubnetPoolNotFound", missing)
    assert_error(get(server, "/v2.0/subnetpools/" + own["id"], token=m2),
                 404, "SubnetPoolNotFound")
    assert_forbidden(put(server, "/v2.0/subnetpools/" + shared["id"],
                         {"subnetpool": {"name": "x"}}, m1),
                     "rule:update_subnetpool")
    assert_forbidden(put(server, "/v2.0/subnetpools/" + own["id"],
                         {"subnetpool": {"is_default": True}}, m1),
                     "(rule:update_subnetpool and "
                     "rule:update_subnetpool:is_default)")
    assert_forbidden(put(server, "/v2.0/subnetpools/%s/add_prefixes"
                         % shared["id"], {"prefixes": ["10.23.0.0/16"]}, m1),
                     "rule:add_prefixes")
    r = put(server, "/v2.0/subnetpools/%s/add_prefixes" % own["id"],
            {"prefixes": ["10.12.0.0/16"]}, m1)
    assert r.status_code == 200, r.text

    net = created(post(server, "/v2.0/networks", {"network": {"name": "n"}},
                       m1), "network")
    sub = created(post(server, "/v2.0/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": 4,
        "subnetpool_id": shared["id"]}}, m1), "subnet")
    assert (sub["cidr"], sub["project_id"]) == ("10.22.0.0/24", demo1)
    net2 = created(post(server, "/v2.0/networks", {"network": {"name": "m"}},
                        m1), "network")
    assert_error(post(server, "/v2.0/subnets", {"subnet": {
        "network_id": net2["id"], "ip_version": 4,
        "subnetpool_id": private["id"]}}, m1), 404, "SubnetPoolNotFound",
        missing)
    # The pool's owner cannot delete a pool another project carved from.
    assert_error(delete(server, "/v2.0/subnetpools/" + shared["id"], admin),
                 400, "SubnetPoolDeleteError")
    assert delete(server, "/v2.0/subnetpools/" + own["id"], m1).status_code \
        == 204


def test_members_and_address_groups(ks_server, keystone, tmp_path):
    """Another project's address group is not found, also by its member
    actions; the actions follow their own policy rules (here a policy.yaml
    makes add_addresses admin-only)."""
    policy = tmp_path / "policy.yaml"  # oslo.policy's format since Wallaby
    policy.write_text('# admins only\n"add_addresses": "rule:admin_only"\n')
    server = ks_server(sections={"oslo_policy": {"policy_file": str(policy)}})
    admin, _ = keystone.token("admin", "admin", "admin-secret")
    m1, _ = keystone.token("member1", "demo1")
    m2, _ = keystone.token("member2", "demo2")
    ag = created(post(server, "/v2.0/address-groups", {"address_group": {
        "name": "ag", "addresses": ["10.0.0.1/32"]}}, m1), "address_group")
    url = "/v2.0/address-groups/" + ag["id"]
    missing = "Address group %s could not be found." % ag["id"]

    assert_error(get(server, url, token=m2), 404, "AddressGroupNotFound",
                 missing)
    for action in ("add_addresses", "remove_addresses"):
        assert_error(put(server, "%s/%s" % (url, action),
                         {"addresses": ["10.0.0.1/32"]}, m2),
                     404, "AddressGroupNotFound", missing)
    assert_forbidden(put(server, url + "/add_addresses",
                         {"addresses": ["10.0.0.2/32"]}, m1),
                     "rule:add_addresses")
    r = put(server, url + "/add_addresses", {"addresses": ["10.0.0.2/32"]},
            admin)
    assert r.status_code == 200, r.text
    r = put(server, url + "/remove_addresses", {"addresses": ["10.0.0.1/32"]},
            m1)
    assert r.status_code == 200, r.text
    assert get(server, url, token=m1).json()["address_group"]["addresses"] \
        == ["10.0.0.2/32"]
