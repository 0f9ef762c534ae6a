"""kill -9 under write load: nothing acknowledged is lost, nothing half-written appears."""

import ipaddress
import random
import sqlite3
import threading
import time

import requests

from conftest import needs_process

pytestmark = needs_process

WRITERS = 6
ROUNDS = 3


class Load:
    """Threads creating ports until stopped or the server goes away."""

    def __init__(self, server, network_id, tag):
        self.server = server
        self.network_id = network_id
        self.tag = tag
        self.acked = []
        self.statuses = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(WRITERS)]

    def run(self, n):
        session = requests.Session()
        i = 0
        while not self.stop.is_set():
            i += 1
            try:
                r = self.server.request("POST", "/v2.0/ports", json_body={"port": {
                    "network_id": self.network_id, "name": "%s-%d-%d" % (self.tag, n, i)}},
                    session=session, timeout=10)
            except requests.RequestException:
                break  # the server is gone
            with self.lock:
                self.statuses.append(r.status_code)
                if r.status_code == 201:
                    self.acked.append(r.json()["port"]["id"])
        session.close()

    def start(self):
        for t in self.threads:
            t.start()

    def count(self):
        with self.lock:
            return len(self.acked)

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in self.threads)


def check_database(path):
    con = sqlite3.connect(str(path), timeout=30)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if {"ports", "ipallocations"} <= tables:
            # the current schema: every port of the test has exactly one allocation row
            bad = con.execute(
                "SELECT p.id, COUNT(a.port_id) FROM ports p LEFT JOIN ipallocations a "
                "ON a.port_id = p.id GROUP BY p.id HAVING COUNT(a.port_id) != 1").fetchall()
            assert not bad, "ports without exactly one ipallocations row: %s" % bad[:5]
    finally:
        con.close()


def test_kill_minus_9_under_load(make_server):
    # The fill below puts 1,021 ports in one project, past the default
    # quota of 500.
    server = make_server({"quotas": {"quota_port": "-1"}})
    n = server.create("network", name="crash")
    # a /22 (1,021 pool addresses) so that the end of the test can fill it completely: any
    # disagreement between the allocations and the free-address bookkeeping shows up there
    s = server.subnet(n["id"], "10.120.0.0/22", enable_dhcp=False)
    cidr = ipaddress.ip_network(s["cidr"])
    rng = random.Random(1234)
    acked = set()
    for rnd in range(ROUNDS):
        load = Load(server, n["id"], "r%d" % rnd)
        load.start()
        deadline = time.monotonic() + 30
        # let some writes complete, then kill at a random moment in the stream
        while load.count() < 60 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert load.count() > 0, "no port was created before the kill (statuses %s)" % (
            sorted(set(load.statuses)))
        time.sleep(rng.uniform(0.0, 0.25))
        server.kill()
        load.join()
        bad = [st for st in load.statuses if st != 201]
        assert not bad, "non-201 answers under load: %s" % sorted(set(bad))
        acked |= set(load.acked)
        print("round %d: %d ports acknowledged before kill -9" % (rnd, len(load.acked)))

        check_database(server.db_path)
        server.start()

        ports = {p["id"]: p for p in server.list("ports")}
        lost = acked - set(ports)
        assert not lost, "round %d: %d acknowledged ports lost, e.g. %s" % (
            rnd, len(lost), sorted(lost)[:5])
        ips = []
        for p in ports.values():
            assert p["network_id"] == n["id"]
            assert len(p["fixed_ips"]) == 1, p
            f = p["fixed_ips"][0]
            assert f["subnet_id"] == s["id"]
            assert ipaddress.ip_address(f["ip_address"]) in cidr, p
            ips.append(f["ip_address"])
        assert len(set(ips)) == len(ips), "duplicate IPs after restart"
        # each listed port can also be fetched on its own, identically
        for pid in sorted(acked)[:20]:
            assert server.show("port", pid) == ports[pid]
        # network and subnet intact, and the server still accepts writes
        assert server.show("network", n["id"])["subnets"] == [s["id"]]
        assert server.show("subnet", s["id"])["cidr"] == "10.120.0.0/22"
        extra = server.create("port", network_id=n["id"])
        assert extra["fixed_ips"][0]["ip_address"] not in ips
        acked.add(extra["id"])
        avail = server.ok(server.get("/v2.0/network-ip-availabilities/" + n["id"]), 200)
        assert avail["network_ip_availability"]["used_ips"] == len(ports) + 1

    # fill the subnet: exactly the remaining pool addresses can still be allocated
    existing = server.list("ports")
    assert len(existing) < 1021, "the load filled the subnet; use a bigger one"
    for _ in range(1021 - len(existing)):
        server.create("port", network_id=n["id"])
    r = server.post("/v2.0/ports", {"port": {"network_id": n["id"]}})
    assert r.status_code == 409, r.text
    final = server.list("ports")
    ips = [p["fixed_ips"][0]["ip_address"] for p in final]
    assert len(final) == 1021 and len(set(ips)) == 1021
    server.stop()
    check_database(server.db_path)
