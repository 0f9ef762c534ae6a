"""TCP probes run inside instance namespaces by the firewall tests.

    tcpprobe.py listen PORT             echo server (one thread a client)
    tcpprobe.py connect IP PORT [SRC]   exit 0 if one line echoes within 1 s
    tcpprobe.py hold IP PORT GOFILE     connect, echo once ("first ok"),
                                        wait for GOFILE, echo again
                                        ("second ok" or "second lost")
"""

import os
import socket
import sys
import threading
import time


def echo(conn):
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:
                return
            conn.sendall(data)


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(64)
    print("listening", flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def roundtrip(s, data):
    s.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed")
        got += chunk
    return got == data


def connect(ip, port, src=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(1.0)
    if src:
        s.bind((src, 0))
    try:
        s.connect((ip, port))
        return 0 if roundtrip(s, b"ping\n") else 1
    except OSError:
        return 1
    finally:
        s.close()


def hold(ip, port, gofile):
    s = socket.create_connection((ip, port), timeout=2.0)
    print("first ok" if roundtrip(s, b"one\n") else "first bad", flush=True)
    while not os.path.exists(gofile):
        time.sleep(0.05)
    s.settimeout(3.0)
    try:
        print("second ok" if roundtrip(s, b"two\n") else "second bad",
              flush=True)
    except OSError:
        print("second lost", flush=True)


def main():
    mode = sys.argv[1]
    if mode == "listen":
        listen(int(sys.argv[2]))
    elif mode == "connect":
        sys.exit(connect(sys.argv[2], int(sys.argv[3]),
                         sys.argv[4] if len(sys.argv) > 4 else None))
    elif mode == "hold":
        hold(sys.argv[2], int(sys.argv[3]), sys.argv[4])


if __name__ == "__main__":
    main()
