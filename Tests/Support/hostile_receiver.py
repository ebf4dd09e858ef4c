#!/usr/bin/env python3
"""A webhook receiver that misbehaves on purpose, for npsim's hostile-input tests.

The request path chooses the misbehaviour:
  /status/CODE/RETRY_AFTER   answers CODE with that Retry-After header (URL-encoded; "-" for none)
  /trickle                   answers 200 with Content-Length: 5 GB and then one byte a second
  /endless                   answers 200 chunked and never ends the body
  /huge                      answers 200 with a 64 MB body at full speed
  /reset                     closes the connection with a reset, answering nothing
  /silent                    reads the request and never answers
Prints "listening on http://127.0.0.1:PORT" once ready; stops when terminated, or after 10 minutes.
"""
import socket
import socketserver
import threading
import time
import urllib.parse


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1]
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                return
            rest += chunk
        deadline = time.monotonic() + 600
        try:
            if path.startswith("/status/"):
                _, _, code, retry_after = path.split("/", 3)
                retry_after = urllib.parse.unquote(retry_after)
                header = "" if retry_after == "-" else f"Retry-After: {retry_after}\r\n"
                sock.sendall(f"HTTP/1.1 {code} Status\r\n{header}Content-Length: 2\r\nConnection: close\r\n\r\n{{}}".encode())
            elif path == "/trickle":
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000000000\r\n\r\n")
                while time.monotonic() < deadline:
                    sock.sendall(b"x")
                    time.sleep(1)
            elif path == "/endless":
                sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                while time.monotonic() < deadline:
                    sock.sendall(b"400\r\n" + b"y" * 1024 + b"\r\n")
                    time.sleep(0.01)
            elif path == "/huge":
                size = 64 << 20
                sock.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n".encode())
                block = b"z" * 65536
                for _ in range(size // len(block)):
                    sock.sendall(block)
            elif path == "/reset":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.close()
            elif path == "/silent":
                while time.monotonic() < deadline and sock.recv(1):
                    pass
            else:
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    time.sleep(600)


if __name__ == "__main__":
    main()
