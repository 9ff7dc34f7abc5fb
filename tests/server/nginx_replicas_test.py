#!/usr/bin/python3
"""Scale-out test: three `kerasrt serve` replicas behind nginx (Debian's), all on loopback.

Clients send predict requests through nginx for a few seconds. Mid-run one replica is killed
(SIGKILL: its in-flight requests are lost, nginx answers 502 for them or the connection drops),
later another is stopped with SIGTERM (graceful: it answers what it has and exits 0). Clients
retry a failed request, as HTTP clients of a replicated service do. The test shows that:
  - every request is eventually answered, with the same bytes any replica gives (none lost);
  - first attempts that failed are at most the requests in flight when a replica went away
    (each client has one request in flight at a time, so at most one per client per event);
  - the surviving replica answers everything after both events.
nginx runs from a config generated in a temporary folder, as the current user, on a free port.
Exit status 77 (skipped) under ThreadSanitizer builds.
"""
import argparse
import http.client
import json
import os
import pwd
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_ports(count):
    """`count` distinct free ports: every socket stays bound until all are chosen (one at a time,
    the kernel may hand out the same port again once the previous socket is closed)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            sockets.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_ready(port, deadline):
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/v2/health/ready")
            if c.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kerasrt", required=True)
    ap.add_argument("--nginx", default="/usr/sbin/nginx")
    ap.add_argument("--model", required=True)
    ap.add_argument("--sanitizer", default="")
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=3.5)
    args = ap.parse_args()
    if args.sanitizer == "thread":
        print("SKIP: under ThreadSanitizer; the replicas are separate processes and the in-process "
              "server tests cover the server's threads under TSan")
        return 77
    if not args.nginx or not os.path.exists(args.nginx):
        print("FAIL: nginx not found: install Debian's nginx-light (scripts/setup.sh)")
        return 1

    tmp = tempfile.mkdtemp(prefix="kerasrt_nginx_")
    procs, nginx = [], None
    try:
        *ports, front = free_ports(4)
        for i, port in enumerate(ports):
            log = open(os.path.join(tmp, f"replica{i}.log"), "w")
            procs.append(subprocess.Popen(
                [args.kerasrt, "serve", "--model", f"mlp={args.model}", "--host", "127.0.0.1",
                 "--port", str(port), "--workers", "1", "--access-log", "off", "--drain-timeout", "10"],
                stdout=log, stderr=subprocess.STDOUT))
        deadline = time.time() + 90
        for port in ports:
            if not wait_ready(port, deadline):
                print("FAIL: a replica did not become ready")
                return 1

        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
            os.makedirs(os.path.join(tmp, d), exist_ok=True)
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
        upstreams = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in ports)
        conf = f"""
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 512; }}
http {{
  access_log {tmp}/access.log;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  upstream kerasrt {{
{upstreams}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{front};
    client_max_body_size 64m;
    location / {{
      proxy_pass http://kerasrt;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
"""
        with open(os.path.join(tmp, "nginx.conf"), "w") as f:
            f.write(conf)
        nginx = subprocess.Popen([args.nginx, "-p", tmp, "-e", f"{tmp}/error.log", "-c", f"{tmp}/nginx.conf",
                                  "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        if not wait_ready(front, time.time() + 20):
            print("FAIL: nginx did not come up:", open(f"{tmp}/error.log").read()[-2000:])
            return 1

        # Requests and the answer every replica gives (asked of replica 0 directly).
        bodies = []
        for k in range(4):
            rows = [[((i * 7 + k * 13 + r) % 100) / 100.0 for i in range(784)] for r in range(1 + k % 2)]
            bodies.append(json.dumps({"instances": rows}))
        answers = []
        for b in bodies:
            c = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=30)
            c.request("POST", "/v1/models/mlp:predict", b, {"Content-Type": "application/json"})
            r = c.getresponse()
            answers.append(r.read())
            assert r.status == 200

        lock = threading.Lock()
        stats = {"ok": 0, "nginx_retried": 0, "first_failures": 0, "retries": 0, "lost": 0, "wrong": 0, "upstreams_before": set(),
                 "upstreams_after": set()}
        phase = {"events": 0}
        stop_at = time.time() + args.seconds

        def client(cid):
            conn = None
            i = 0
            while time.time() < stop_at:
                k = (cid + i) % len(bodies)
                i += 1
                done = False
                for attempt in range(6):
                    try:
                        if conn is None:
                            conn = http.client.HTTPConnection("127.0.0.1", front, timeout=30)
                        conn.request("POST", "/v1/models/mlp:predict", bodies[k], {"Content-Type": "application/json"})
                        r = conn.getresponse()
                        data = r.read()
                        if r.status in (502, 503, 504):
                            raise ConnectionError(f"HTTP {r.status}")
                        with lock:
                            if r.status != 200 or data != answers[k]:
                                stats["wrong"] += 1
                            else:
                                stats["ok"] += 1
                            key = "upstreams_before" if phase["events"] == 0 else "upstreams_after"
                            upstream = r.getheader("X-Upstream") or ""
                            stats[key].add(upstream)
                            if "," in upstream:
                                stats["nginx_retried"] += 1
                        done = True
                        break
                    except (OSError, http.client.HTTPException, ConnectionError):
                        with lock:
                            stats["first_failures" if attempt == 0 else "retries"] += 1
                        if conn is not None:
                            conn.close()
                        conn = None
                        time.sleep(0.05)
                if not done:
                    with lock:
                        stats["lost"] += 1

        threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
        for t in threads:
            t.start()
        time.sleep(args.seconds * 0.3)
        procs[0].send_signal(signal.SIGKILL)  # hard crash: its in-flight requests fail
        phase["events"] = 1
        time.sleep(args.seconds * 0.3)
        procs[1].send_signal(signal.SIGTERM)  # graceful: answers what it has, exits 0
        for t in threads:
            t.join()
        try:
            term_status = procs[1].wait(timeout=30)
        except subprocess.TimeoutExpired:
            term_status = "still running 30 s after SIGTERM"
        events = 2
        print(f"requests answered: {stats['ok']} ({stats['nginx_retried']} by a second replica after nginx's first "
              f"choice failed), first attempts failed at the client (retried): {stats['first_failures']}, "
              f"further failed retries: {stats['retries']}, lost: {stats['lost']}, wrong answers: {stats['wrong']}, "
              f"upstreams before the kill: {sorted(stats['upstreams_before'])}, after: {sorted(stats['upstreams_after'])}, "
              f"SIGTERM replica exit status: {term_status}")
        failures = []
        if stats["lost"]:
            failures.append("requests lost")
        if stats["wrong"]:
            failures.append("wrong answers")
        if stats["first_failures"] > events * args.clients:
            failures.append(f"more failed first attempts than requests in flight ({events} events x {args.clients} clients)")
        if stats["ok"] < 20:
            failures.append("too few requests answered")
        if len(stats["upstreams_before"]) < 2:
            failures.append("nginx did not spread requests over the replicas")
        if term_status != 0:
            failures.append(f"the replica stopped with SIGTERM did not exit 0 ({term_status})")
        if procs[2].poll() is not None:
            failures.append("the surviving replica died")
        if failures:
            print("FAIL: " + "; ".join(failures))
            for i in range(3):
                print(f"--- replica {i} log tail:\n" + open(os.path.join(tmp, f"replica{i}.log")).read()[-1500:])
            return 1
        print("PASS")
        return 0
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
