"""The test subscriber on loopback: counts every webhook delivery (by event id) and every SMS (by text).

A department system and an SMS gateway as the platform sees them. Webhook answers can be slowed down, so that
deliveries are in flight when a task worker is killed.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Counts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: Counter[int] = Counter()
        self.sms: Counter[str] = Counter()
        self.delay = 0.0

    def snapshot(self) -> tuple[Counter[int], Counter[str]]:
        with self.lock:
            return Counter(self.events), Counter(self.sms)


def serve(counts: Counts) -> tuple[ThreadingHTTPServer, int]:
    """Starts the receiver on a free loopback port (a daemon thread); returns the server and the port."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/hook"):
                if counts.delay:
                    time.sleep(counts.delay)
                with counts.lock:
                    counts.events[int(self.headers.get("X-Yiwang-Event", "0"))] += 1
            elif self.path.startswith("/sms"):
                data = json.loads(body or b"{}")
                with counts.lock:
                    counts.sms[f"{data.get('phone')}|{data.get('text')}"] += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]
