"""The server side of docs/agent-protocol.md, in memory, with security
groups and address groups as /work/briefs/sg-contract.md describes them
(group objects with their rules and "members").

The firewall end-to-end tests drive neutrino-agent with it: the test
writes networks, ports and groups here and the agent sees them through the
change feed exactly as it would from neutrino-server (snapshot, long-polled
changes folded per object, bind, status, state reports).  It is what those
tests use while neutrino-server grows the security-group API (issue 6, API
part); the dataplane under test is the same either way.
"""

import copy
import http.server
import json
import threading
import urllib.parse
import uuid

import hosts

RESOURCES = ("network", "subnet", "port", "security_group", "address_group")
VIF_DETAILS = {"bound_drivers": {"0": "openvswitch"},
               "bridge_name": "br-int", "connectivity": "l2",
               "datapath_type": "netdev", "ovs_hybrid_plug": False,
               "port_filter": True}


class FakeNeutrino:
    def __init__(self):
        self.cv = threading.Condition()
        self.rev = 0
        self.objs = {r: {} for r in RESOURCES}
        self.changes = {}  # (resource, id) -> revision of its last change
        self.reports = {}  # host -> last agent_state
        self.hybrid = False  # what the binding's vif_details say
        self.servers = []

    def _serve(self, sock):
        handler = type("Handler", (_Handler,), {"fake": self})
        httpd = http.server.ThreadingHTTPServer(
            sock.getsockname(), handler, bind_and_activate=False)
        httpd.socket.close()
        httpd.socket = sock
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.servers.append(httpd)

    def listen_in(self, netns, port=9696):
        """Serves on 127.0.0.1:port inside netns (where an agent's
        server_url points), with no relay between: one thread per
        connection, so a burst of requests needs no select()."""
        self._serve(hosts.listen_in_netns(netns, "127.0.0.1", port))

    def close(self):
        for httpd in self.servers:
            httpd.shutdown()
            httpd.server_close()

    # ------------------------------------------------------------ writes
    def _log(self, resource, oid):
        self.rev += 1
        self.changes[(resource, oid)] = self.rev

    def put(self, resource, obj):
        """Create or replace an object; returns a copy of it."""
        with self.cv:
            obj = copy.deepcopy(obj)
            obj.setdefault("id", str(uuid.uuid4()))
            self.objs[resource][obj["id"]] = obj
            self._log(resource, obj["id"])
            if resource in ("port", "security_group"):
                self._members()
            self.cv.notify_all()
            return copy.deepcopy(obj)

    def update(self, resource, oid, **attrs):
        with self.cv:
            obj = copy.deepcopy(self.objs[resource][oid])
        obj.update(attrs)
        return self.put(resource, obj)

    def delete(self, resource, oid):
        with self.cv:
            del self.objs[resource][oid]
            self._log(resource, oid)
            self._members()
            self.cv.notify_all()

    def get(self, resource, oid):
        with self.cv:
            return copy.deepcopy(self.objs[resource][oid])

    def _members(self):
        """Every group's members from the ports that have it; a group
        whose members change is logged as changed (sg-contract)."""
        for sg in self.objs["security_group"].values():
            want = {"IPv4": [], "IPv6": []}
            for p in self.objs["port"].values():
                if sg["id"] not in p.get("security_groups", []):
                    continue
                addrs = [f["ip_address"] for f in p.get("fixed_ips", [])]
                addrs += [a["ip_address"]
                          for a in p.get("allowed_address_pairs", [])]
                for a in addrs:
                    want["IPv6" if ":" in a else "IPv4"].append(a)
            want = {k: sorted(v) for k, v in want.items()}
            if sg.get("members") != want:
                sg["members"] = want
                self._log("security_group", sg["id"])

    # ------------------------------------------------------------ reads
    def feed(self, since, timeout):
        with self.cv:
            if since is None or since > self.rev:
                return self._snapshot()
            self.cv.wait_for(lambda: self.rev > since, timeout)
            changes = []
            for (res, oid), rev in sorted(self.changes.items(),
                                          key=lambda kv: kv[1]):
                if rev <= since:
                    continue
                obj = self.objs[res].get(oid)
                ch = {"revision": rev, "resource": res, "id": oid,
                      "deleted": obj is None}
                if obj is not None:
                    ch["object"] = copy.deepcopy(obj)
                changes.append(ch)
            return {"revision": self.rev, "resync": False,
                    "changes": changes}

    def _snapshot(self):
        body = {"revision": self.rev, "resync": True}
        for res in RESOURCES:
            body[res + "s"] = [copy.deepcopy(o)
                               for o in self.objs[res].values()]
        return body

    def bind(self, port_id, host):
        with self.cv:
            port = self.objs["port"].get(port_id)
            if port is None:
                return 404, {"NeutronError": {"type": "PortNotFound"}}
        details = dict(VIF_DETAILS, ovs_hybrid_plug=self.hybrid)
        port = self.update("port", port_id, **{
            "binding:host_id": host, "binding:vif_type": "ovs",
            "binding:vif_details": details})
        return 200, {"port": port,
                     "network": self.get("network", port["network_id"])}

    def set_status(self, port_id, status):
        with self.cv:
            if port_id not in self.objs["port"]:
                return 404
        self.update("port", port_id, status=status)
        return 204


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake = None
    # Headers and body go out in two writes: with Nagle's algorithm the
    # body waits for the client's delayed ACK (40 ms), which a real server
    # (one write) does not add to what the tests and benches time.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def _reply(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/neutrino/v1/feed":
            since = int(q["since"]) if "since" in q else None
            timeout = int(q.get("timeout", 30000)) / 1000.0
            self._reply(200, self.fake.feed(since, timeout))
        elif url.path == "/v2.0/agents":
            self._reply(200, {"agents": []})
        else:
            self._reply(404, {"NeutronError": {"type": "HTTPNotFound"}})

    def do_POST(self):
        parts = self.path.strip("/").split("/")
        body = self._body()
        if parts[-1] == "report":
            state = body.get("agent_state", {})
            with self.fake.cv:
                self.fake.reports[(state.get("host"),
                                   state.get("agent_type"))] = state
            self._reply(200, {"state": "alive"})
        elif parts[-1] == "bind" and len(parts) == 5:
            self._reply(*self.fake.bind(parts[3], body.get("host")))
        else:
            self._reply(404, {"NeutronError": {"type": "HTTPNotFound"}})

    def do_PUT(self):
        parts = self.path.strip("/").split("/")
        body = self._body()
        if parts[-1] == "status" and len(parts) == 5:
            self._reply(self.fake.set_status(parts[3], body.get("status")))
        else:
            self._reply(404, {"NeutronError": {"type": "HTTPNotFound"}})


def rule(direction, ethertype="IPv4", **kw):
    """A security group rule with every Neutron field (new id)."""
    r = {"id": str(uuid.uuid4()), "direction": direction,
         "ethertype": ethertype, "protocol": None, "port_range_min": None,
         "port_range_max": None, "remote_ip_prefix": None,
         "remote_group_id": None, "remote_address_group_id": None}
    r.update(kw)
    return r


class Cloud:
    """Writes Neutron objects into a FakeNeutrino: one flat network on
    physnet "provider", groups, rules, ports."""

    def __init__(self, fake):
        self.fake = fake
        self.net = fake.put("network", {
            "name": "provider", "status": "ACTIVE", "admin_state_up": True,
            "mtu": 1500, "provider:network_type": "flat",
            "provider:physical_network": "provider",
            "provider:segmentation_id": None,
            "port_security_enabled": True})

    def group(self, name, rules, stateful=True):
        sg = {"id": str(uuid.uuid4()), "name": name, "stateful": stateful,
              "project_id": "p1", "security_group_rules": []}
        for r in rules(sg["id"]) if callable(rules) else rules:
            sg["security_group_rules"].append(r)
        return self.fake.put("security_group", sg)["id"]

    def add_rule(self, sg_id, r):
        sg = self.fake.get("security_group", sg_id)
        sg["security_group_rules"].append(r)
        self.fake.put("security_group", sg)
        return r["id"]

    def remove_rule(self, sg_id, rule_id):
        sg = self.fake.get("security_group", sg_id)
        sg["security_group_rules"] = [
            r for r in sg["security_group_rules"] if r["id"] != rule_id]
        self.fake.put("security_group", sg)

    def port(self, name, mac, ip, groups, security=True, pairs=()):
        """A compute port on the network, unbound; returns its id."""
        return self.fake.put("port", {
            "name": name, "network_id": self.net["id"],
            "mac_address": mac, "status": "DOWN",
            "admin_state_up": True, "device_owner": "compute:nova",
            "device_id": str(uuid.uuid4()),
            "fixed_ips": [{"ip_address": ip, "subnet_id": "s1"}],
            "port_security_enabled": security,
            "security_groups": list(groups),
            "allowed_address_pairs": [{"ip_address": a, "mac_address": mac}
                                      for a in pairs],
            "binding:host_id": "", "binding:vif_type": "unbound"})["id"]

    def status(self, port_id):
        return self.fake.get("port", port_id)["status"]

    def set_pairs(self, port_id, pairs):
        mac = self.fake.get("port", port_id)["mac_address"]
        self.fake.update("port", port_id, allowed_address_pairs=[
            {"ip_address": a, "mac_address": mac} for a in pairs])

    def agent_configurations(self, host):
        with self.fake.cv:
            return self.fake.reports[(host, "Open vSwitch agent")][
                "configurations"]

    def vif_details(self, port_id):
        return self.fake.get("port", port_id)["binding:vif_details"]
