#!/usr/bin/python3
"""Time from a write on one neutrino-server to its change reaching an agent
that follows the change feed of another (servers on one database).

    feed_latency.py URL_A URL_B NETWORK_ID COUNT

A follower long-polls URL_B's /neutrino/v1/feed as the agents do; COUNT
ports are created one after the other through URL_A on NETWORK_ID.  For
each: sent -> answered by A (the write's own latency), and sent -> seen in
B's feed.  Prints one JSON object with p50/p99 of each, in milliseconds.
"""

import json
import sys
import threading
import time

import requests


def follow(url, seen, stop):
    """Long-polls the feed of 'url', recording when each change arrives."""
    session = requests.Session()
    rev = session.get(url + "/neutrino/v1/feed", params={"timeout": "0"},
                      timeout=30).json()["revision"]
    while not stop.is_set():
        body = session.get(url + "/neutrino/v1/feed",
                           params={"since": str(rev), "timeout": "1000"},
                           timeout=30).json()
        now = time.monotonic()
        for change in body.get("changes", []):
            seen.setdefault(change["id"], now)
        rev = body["revision"]


def percentiles(values):
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    return {"p50": round(pick(0.5) * 1000, 2), "p99": round(pick(0.99) * 1000, 2)}


def main():
    url_a, url_b, network, count = sys.argv[1:5]
    seen, stop = {}, threading.Event()
    follower = threading.Thread(target=follow, args=(url_b, seen, stop),
                                daemon=True)
    follower.start()
    time.sleep(0.2)
    session = requests.Session()
    acked, to_b = [], []
    for i in range(int(count)):
        sent = time.monotonic()
        r = session.post(url_a + "/v2.0/ports", json={"port": {
            "network_id": network, "name": "feed-%d" % i}}, timeout=30)
        done = time.monotonic()
        r.raise_for_status()
        port_id = r.json()["port"]["id"]
        deadline = done + 10
        while port_id not in seen:
            if time.monotonic() > deadline:
                sys.exit("feed_latency: port %s never reached B's feed" % port_id)
            time.sleep(0.0005)
        acked.append(done - sent)
        to_b.append(seen[port_id] - sent)
        time.sleep(0.01)
    stop.set()
    print(json.dumps({"count": int(count), "write_ms": percentiles(acked),
                      "write_to_feed_b_ms": percentiles(to_b)}))


if __name__ == "__main__":
    main()
