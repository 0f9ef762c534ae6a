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
    time.sleep(2)  # Two more report intervals of the other two.
    assert alive_agents(server, admin) == {good.host}
    assert "got a Keystone token" in good.log_text()
    assert "HTTP 403" in member.log_text()
    assert "cannot get a Keystone token (refused, HTTP 401)" in wrong.log_text()


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
