"""Several neutrino-servers on one PostgreSQL database (issue 10).

Three servers share one database of the session's private PostgreSQL (conftest.PgCluster),
whatever NEUTRINO_DB says:
  - 16 clients create ports through all three at once: every acknowledged port exists once,
    no IP or MAC is shared, a full pool gives 409s, never a 5xx;
  - an agent-style feed follower on server B sees each port written through server A, within
    100 ms of A's answer;
  - If-Match and the conflicts (409) hold across servers;
  - a server whose database connection is cut answers 503 with Retry-After at worst, then
    carries on by itself;
  - behind haproxy (etc/haproxy/neutrino.cfg), a server killed with kill -9 and restarted
    mid-load loses no acknowledged port.
"""

import collections
import subprocess
import threading
import time

import pytest
import requests

from conftest import (HAPROXY, check_unique, free_tcp_port, haproxy_config, hammer,
                      needs_process, pg_cluster)

pytestmark = needs_process

SERVERS = 3
CLIENTS = 16


@pytest.fixture
def servers(make_server):
    pg = pg_cluster()
    db = pg.new_database()
    # oslo.db's spelling for one of them, libpq's for the others
    urls = [pg.url(db, driver="+psycopg2")] + [pg.url(db)] * (SERVERS - 1)
    # fixed ports, so that a restarted server is where haproxy looks for it
    return [make_server(overrides={"database": {"connection": u},
                                   "DEFAULT": {"bind_port": str(free_tcp_port())},
                                   "quotas": {"quota_port": "-1"}},
                        name="srv%d" % i)
            for i, u in enumerate(urls)]


def test_concurrent_creates_through_three_servers(servers):
    a, b, c = servers
    net = a.create("network", name="multi")
    # a /23: 509 pool addresses for 600 creates, so the pool runs out mid-way
    sub = b.subnet(net["id"], "10.230.0.0/23", enable_dhcp=False)
    created, failures = hammer(servers, net["id"], 600, CLIENTS, name="m")
    assert not [k for k in failures if k[0] >= 500], failures
    assert dict(failures) == {(409, "IpAddressGenerationFailure"): 600 - 509}, failures
    assert len(created) == 509
    check_unique(created)
    for s in servers:
        listed = s.list("ports", params={"network_id": net["id"]})
        assert sorted(p["id"] for p in listed) == sorted(p["id"] for p in created)
        check_unique(listed)
    # revisions are the database's: a port updated through A reads the same through C
    p = created[0]
    upd = a.update("port", p["id"], name="renamed")
    assert upd["revision_number"] == p["revision_number"] + 1
    assert c.show("port", p["id"])["revision_number"] == upd["revision_number"]
    assert sub["id"] == created[0]["fixed_ips"][0]["subnet_id"]


def test_feed_on_b_sees_writes_through_a(servers):
    a, b, _ = servers
    net = a.create("network", name="feed")
    a.subnet(net["id"], "10.231.0.0/24", enable_dhcp=False)
    rev = b.ok(b.get("/neutrino/v1/feed", params={"timeout": "0"}), 200)["revision"]
    delays = []
    for i in range(20):
        answer = {}

        def poll():
            r = b.get("/neutrino/v1/feed", params={"since": str(rev), "timeout": "10000"},
                      session=requests.Session())
            answer["at"] = time.monotonic()
            answer["body"] = b.ok(r, 200)

        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.05)  # the poll is waiting on B
        port = a.create("port", network_id=net["id"], name="f-%d" % i)
        acked = time.monotonic()
        t.join(timeout=15)
        body = answer["body"]
        assert not body["resync"]
        assert port["id"] in {ch["id"] for ch in body["changes"]}, body
        obj = [ch for ch in body["changes"] if ch["id"] == port["id"]][0]["object"]
        assert obj["name"] == "f-%d" % i
        assert body["revision"] > rev
        rev = body["revision"]
        delays.append(answer["at"] - acked)
    delays.sort()
    # the median: one slow wake-up on a loaded 2-core machine is noise, a missed
    # notification is the 10 s timeout
    assert delays[len(delays) // 2] < 0.1, delays
    assert delays[-1] < 1.0, delays


def test_if_match_and_conflicts_across_servers(servers):
    a, b, c = servers
    net = a.create("network", name="im")
    sub = a.subnet(net["id"], "10.232.0.0/24", enable_dhcp=False)
    port = a.create("port", network_id=net["id"])
    rev = port["revision_number"]
    b.update("port", port["id"], name="by-b")
    r = c.put("/v2.0/ports/" + port["id"], {"port": {"name": "by-c"}},
              headers={"If-Match": "revision_number=%d" % rev})
    assert r.status_code == 412, r.text
    r = c.put("/v2.0/ports/" + port["id"], {"port": {"name": "by-c"}},
              headers={"If-Match": "revision_number=%d" % (rev + 1)})
    assert r.status_code == 200, r.text
    ip = port["fixed_ips"][0]["ip_address"]
    r = b.post("/v2.0/ports", {"port": {"network_id": net["id"], "fixed_ips": [
        {"subnet_id": sub["id"], "ip_address": ip}]}})
    assert r.status_code == 409 and "IpAddressAlreadyAllocated" in r.text, r.text
    r = c.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                        "mac_address": port["mac_address"]}})
    assert r.status_code == 409 and "MacAddressInUse" in r.text, r.text
    flat = {"name": "phys", "provider:network_type": "flat",
            "provider:physical_network": "provider"}
    a.ok(a.post("/v2.0/networks", {"network": flat}), 201)
    r = b.post("/v2.0/networks", {"network": flat})
    assert r.status_code == 409 and "FlatNetworkInUse" in r.text, r.text


def test_lost_connection_gives_503_then_recovers(servers):
    a, b, _ = servers
    pg = pg_cluster()
    net = a.create("network", name="cut")
    db = a.config["database"]["connection"].rsplit("/", 1)[1]
    # cut every server's connection, as a database restart or failover would
    pg.psql("postgres", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE datname = '%s'" % db)
    statuses = collections.Counter()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = a.post("/v2.0/ports", {"port": {"network_id": net["id"]}})
        statuses[r.status_code] += 1
        if r.status_code == 201:
            break
        assert r.status_code == 503, r.text
        assert r.headers.get("Retry-After") == "1"
        time.sleep(0.2)
    assert statuses[201] == 1, statuses
    # B heard nothing meanwhile: its feed still follows A's writes
    rev = b.ok(b.get("/neutrino/v1/feed", params={"timeout": "0"}), 200)["revision"]
    port = a.create("port", network_id=net["id"])
    body = b.ok(b.get("/neutrino/v1/feed", params={"since": str(rev), "timeout": "5000"}), 200)
    assert port["id"] in {ch["id"] for ch in body["changes"]}
    assert len(b.list("ports", params={"network_id": net["id"]})) == 2


@pytest.mark.skipif(HAPROXY is None, reason="haproxy not installed")
def test_haproxy_server_killed_mid_load(servers, tmp_path):
    """etc/haproxy/neutrino.cfg's backend in front of the three servers; one is killed with
    kill -9 and restarted while 16 clients create 3,000 ports on a /20 through haproxy, retrying what failed
    (502/503 or a dropped connection: not acknowledged, so perhaps written, perhaps not)."""
    a = servers[0]
    net = a.create("network", name="ha")
    sub = a.subnet(net["id"], "10.233.0.0/20", enable_dhcp=False)
    port = free_tcp_port()
    cfg = haproxy_config(port, [s.port for s in servers], check_interval="200ms")
    (tmp_path / "haproxy.cfg").write_text(cfg)
    proxy = subprocess.Popen([HAPROXY, "-db", "-f", str(tmp_path / "haproxy.cfg")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = "http://127.0.0.1:%d" % port
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        acked, statuses, lock = [], collections.Counter(), threading.Lock()
        todo = list(range(3000))

        def worker(n):
            s = requests.Session()
            while True:
                with lock:
                    if not todo:
                        return
                    i = todo.pop()
                while True:
                    try:
                        r = s.post(url + "/v2.0/ports", json={"port": {
                            "network_id": net["id"], "name": "ha-%d" % i}}, timeout=30)
                    except requests.ConnectionError:
                        with lock:
                            statuses["dropped"] += 1
                        s = requests.Session()
                        continue
                    with lock:
                        statuses[r.status_code] += 1
                    if r.status_code == 201:
                        with lock:
                            acked.append(r.json()["port"])
                        break
                    assert r.status_code in (502, 503), r.text
                    time.sleep(0.1)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        servers[1].kill()
        time.sleep(1)
        servers[1].start()
        for t in threads:
            t.join(timeout=300)
        assert len(acked) == 3000, statuses
        listed = a.list("ports", params={"network_id": net["id"]})
        by_id = collections.Counter(p["id"] for p in listed)
        assert all(by_id[p["id"]] == 1 for p in acked)
        check_unique(listed)
        assert all(p["fixed_ips"][0]["subnet_id"] == sub["id"] for p in listed)
    finally:
        proxy.kill()
        proxy.wait()


def test_reads_do_not_take_the_write_lock(servers):
    """While another session holds the write lock every server's writers
    take, reads (lists, shows, the feed) are answered at once: only writes
    take turns across servers."""
    a, b, _ = servers
    net = a.create("network", name="rl")
    pg = pg_cluster()
    db = a.config["database"]["connection"].rsplit("/", 1)[1]
    holder = subprocess.Popen(
        ["psql", "-X", "-q", "-d", pg.url(db), "-c",
         "SELECT pg_advisory_lock(7306928913372860217), pg_sleep(4)"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)  # psql holds the lock now
        t0 = time.monotonic()
        assert b.show("network", net["id"])["name"] == "rl"
        assert [n["id"] for n in b.list("networks")] == [net["id"]]
        assert "revision" in b.ok(b.get("/neutrino/v1/feed", params={"timeout": "0"}), 200)
        assert time.monotonic() - t0 < 2, "reads waited for the write lock"
        r = b.post("/v2.0/networks", {"network": {"name": "waits"}})
        # The write waited for the lock (psql held it for 4 s).
        assert r.status_code == 201 and time.monotonic() - t0 > 2.5, r.text
    finally:
        holder.wait(timeout=30)
