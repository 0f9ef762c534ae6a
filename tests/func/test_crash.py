"""kill -9 under write load: nothing acknowledged is lost, nothing half-written appears."""

import ipaddress
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
    finally:
        con.close()


def test_kill_minus_9_under_load(server):
    n = server.create("network", name="crash")
    s = server.subnet(n["id"], "10.120.0.0/16", enable_dhcp=False)
    cidr = ipaddress.ip_network(s["cidr"])
    acked = set()
    for rnd in range(ROUNDS):
        load = Load(server, n["id"], "r%d" % rnd)
        load.start()
        deadline = time.monotonic() + 30
        # let some writes complete, then kill in the middle of the stream
        while load.count() < 40 * (rnd + 1) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert load.count() > 0, "no port was created before the kill (statuses %s)" % (
            sorted(set(load.statuses)))
        server.kill()
        load.join()
        bad = [st for st in load.statuses if st != 201]
        assert not bad, "non-201 answers under load: %s" % sorted(set(bad))
        acked |= set(load.acked)

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
            # each listed port can also be fetched on its own, identically
        assert len(set(ips)) == len(ips), "duplicate IPs after restart"
        for pid in sorted(acked)[:20]:
            assert server.show("port", pid) == ports[pid]
        # network and subnet intact, and the server still accepts writes
        assert server.show("network", n["id"])["subnets"] == [s["id"]]
        assert server.show("subnet", s["id"])["cidr"] == "10.120.0.0/16"
        extra = server.create("port", network_id=n["id"])
        assert extra["fixed_ips"][0]["ip_address"] not in ips
        acked.add(extra["id"])
        avail = server.ok(server.get("/v2.0/network-ip-availabilities/" + n["id"]), 200)
        assert avail["network_ip_availability"]["used_ips"] == len(ports) + 1
