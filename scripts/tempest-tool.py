#!/usr/bin/python3
"""Helpers of scripts/tempest.sh (Debian's /usr/bin/python3, no extra
packages beyond what tempest itself pulls in).

  tempest-tool.py prepare KEYSTONE_URL NETWORK_URL
      As Keystone's bootstrap admin: creates the flat external network
      "public" (physnet "public") with a subnet, and prints shell
      assignments PUBLIC_NET=<id> and EXTENSIONS=<aliases, comma-separated,
      exactly as GET /v2.0/extensions lists them>.
  tempest-tool.py accounts KEYSTONE_URL FILE
      Creates MEMBERS projects, each with a user of role member, and ADMINS
      projects, each with a user of role admin, and writes them to FILE as
      Tempest's pre-provisioned accounts (accounts.yaml).
  tempest-tool.py report LIST NAME=SUBUNIT [NAME=SUBUNIT ...]
      LIST holds the selected test ids (tempest run --list-tests).  Prints
      passed/failed/skipped per server and per area (test module), the
      tests the first server did not pass that the second one passed, and
      the other way round.

A class whose setUpClass skipped or failed reports one result named
"setUpClass (module.Class)" instead of one per test; the report gives
that result to every selected test of the class, so both servers are
counted over the same list of tests.
"""

import collections
import re
import sys

import requests
import subunit
import testtools

ADMIN = {"name": "admin", "password": "admin-secret",
         "domain": {"name": "Default"}}


def admin_token(keystone):
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": ADMIN}},
        "scope": {"project": {"name": "admin",
                              "domain": {"name": "Default"}}}}}
    r = requests.post(keystone + "/v3/auth/tokens?nocatalog", json=body,
                      timeout=60)
    r.raise_for_status()
    return r.headers["X-Subject-Token"]


def prepare(keystone, network):
    headers = {"X-Auth-Token": admin_token(keystone)}

    def call(method, path, body=None):
        r = requests.request(method, network + "/v2.0/" + path, json=body,
                             headers=headers, timeout=60)
        if r.status_code >= 300:
            sys.exit("%s %s: %d %s" % (method, path, r.status_code, r.text))
        return r.json()

    aliases = sorted(e["alias"] for e in call("GET", "extensions")["extensions"])
    net = call("POST", "networks", {"network": {
        "name": "public", "router:external": True,
        "provider:network_type": "flat",
        "provider:physical_network": "public"}})["network"]
    call("POST", "subnets", {"subnet": {
        "name": "public-subnet", "network_id": net["id"], "ip_version": 4,
        "cidr": "172.24.4.0/24", "enable_dhcp": False}})
    print("PUBLIC_NET=%s" % net["id"])
    print("EXTENSIONS=%s" % ",".join(aliases))


MEMBERS = 4
ADMINS = 2


def accounts(keystone, path):
    # Imported here: only this command needs Keystone's client.
    from keystoneauth1 import session
    from keystoneauth1.identity import v3
    from keystoneclient.v3 import client

    auth = v3.Password(auth_url=keystone + "/v3", username="admin",
                       password="admin-secret", project_name="admin",
                       user_domain_name="Default",
                       project_domain_name="Default")
    ks = client.Client(session=session.Session(auth=auth))
    roles = {r.name: r for r in ks.roles.list()}
    lines = []
    for role, count in (("member", MEMBERS), ("admin", ADMINS)):
        for i in range(1, count + 1):
            name = "tempest-%s%d" % (role, i)
            project = ks.projects.create(name, "default")
            user = ks.users.create(name, domain="default", password="secret")
            ks.roles.grant(roles[role], user=user, project=project)
            # With the project's id, as Tempest's clients' tenant_id is
            # what the file gives (the plugin's tests send it).
            lines += ["- username: %s" % name, "  project_name: %s" % name,
                      "  project_id: %s" % project.id,
                      "  password: secret", "  domain_name: Default",
                      "  roles: [%s]" % role]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


CLASS_RESULT = re.compile(r"^(setUpClass|tearDownClass) \((\S+)\)$")
STATUS = {"success": "pass", "skip": "skip", "fail": "fail",
          "xfail": "pass", "uxsuccess": "fail"}


def strip_attrs(test_id):
    return test_id.split("[", 1)[0]


def class_of(test_id):
    return strip_attrs(test_id).rsplit(".", 1)[0]


def area_of(test_id):
    name = strip_attrs(test_id)
    for prefix, short in (("neutron_tempest_plugin.api.", "plugin "),
                          ("tempest.api.network.", "tempest ")):
        if name.startswith(prefix):
            return short + name[len(prefix):].rsplit(".", 2)[0]
    return name.rsplit(".", 2)[0]


def read_subunit(path):
    """{test id or class: (status, reason)}"""
    results = {}

    def on_test(test):
        status = STATUS.get(test["status"])
        if status is None:
            return
        reason = ""
        details = test.get("details") or {}
        for key in ("reason", "traceback"):
            if key in details:
                text = details[key].as_text().strip().splitlines()
                reason = text[-1] if text else ""
                break
        m = CLASS_RESULT.match(test["id"])
        key = m.group(2) if m else strip_attrs(test["id"])
        # A tearDownClass failure must not hide the tests' own results.
        if m and m.group(1) == "tearDownClass":
            key = "teardown " + key
        if status == "fail" or key not in results:
            results[key] = (status, reason)

    with open(path, "rb") as f:
        stream = subunit.ByteStreamToStreamResult(f, non_subunit_name="stdout")
        result = testtools.StreamToDict(on_test)
        result.startTestRun()
        try:
            stream.run(result)
        finally:
            result.stopTestRun()
    return results


def outcome(results, test_id):
    name = strip_attrs(test_id)
    if name in results:
        return results[name]
    if class_of(test_id) in results:
        return results[class_of(test_id)]
    return ("fail", "no result (did the run stop early?)")


def report(list_path, runs):
    with open(list_path) as f:
        tests = [line.strip() for line in f if "." in line]
    names = [name for name, _ in runs]
    outcomes = {name: {t: outcome(read_subunit(path), t) for t in tests}
                for name, path in runs}
    areas = collections.OrderedDict()
    for t in sorted(tests, key=area_of):
        areas.setdefault(area_of(t), []).append(t)

    def counts(name, selection):
        c = collections.Counter(outcomes[name][t][0] for t in selection)
        return "%3d %3d %3d" % (c["pass"], c["fail"], c["skip"])

    head = "".join("  %-11s" % n[:11] for n in names)
    print("%-58s%s" % ("area (tests)", head))
    print("%-58s%s" % ("", "  pas fai ski" * len(names)))
    for area, selection in areas.items():
        cells = "".join("  %s" % counts(n, selection) for n in names)
        print("%-58s%s" % ("%s (%d)" % (area, len(selection)), cells))
    cells = "".join("  %s" % counts(n, tests) for n in names)
    print("%-58s%s" % ("total (%d)" % len(tests), cells))
    if len(names) < 2:
        return
    first, second = names[0], names[1]
    worse = [t for t in tests if outcomes[second][t][0] == "pass"
             and outcomes[first][t][0] != "pass"]
    print("\n%d tests %s did not pass that %s passed:" % (len(worse), first,
                                                         second))
    for t in worse:
        status, reason = outcomes[first][t]
        print("  %s %s\n      %s" % (status, strip_attrs(t), reason[:300]))
    better = [t for t in tests if outcomes[first][t][0] == "pass"
              and outcomes[second][t][0] != "pass"]
    print("\n%d tests %s passed that %s did not:" % (len(better), first,
                                                     second))
    for t in better:
        status, reason = outcomes[second][t]
        print("  %s %s\n      %s" % (status, strip_attrs(t), reason[:300]))


def main(argv):
    if len(argv) == 4 and argv[1] == "prepare":
        prepare(argv[2].rstrip("/"), argv[3].rstrip("/"))
    elif len(argv) == 4 and argv[1] == "accounts":
        accounts(argv[2].rstrip("/"), argv[3])
    elif len(argv) >= 4 and argv[1] == "report":
        report(argv[2], [a.split("=", 1) for a in argv[3:]])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
