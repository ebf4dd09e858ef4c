#!/usr/bin/env python3
"""npsim benchmarks. Every figure is reported next to a baseline measured in the same run, as a ratio, because
the machines this runs on are noisy.

  python3 Benchmarks/bench.py [--binary .build/release/npsim] [--fanout-seconds 3] [--rows 10000] [--memory-notifications 100000]
                              [--fanout-rounds 5] [--compare OLDER_BINARY]
  python3 Benchmarks/bench.py --only instructions [--instructions 2000] [--compare OLDER_BINARY]
  python3 Benchmarks/bench.py --only cpu [--cpu-actions 20000] [--fanout-rounds 5] [--compare OLDER_BINARY]
  python3 Benchmarks/bench.py --only reset
  python3 Benchmarks/bench.py --only scenarios

Needs wrk and nginx (Debian: apt-get install wrk nginx-light), moto_server (pip install 'moto[server]'), for the
fan-out the client floor (Benchmarks/ClientFloor, a package of its own built by Benchmarks/setup) and, for --only instructions,
valgrind; Benchmarks/setup installs and builds them. Only loopback addresses are used; every loop is bounded in count and time.
"""
import argparse, asyncio, json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP_NRN = "organization=1:account=2:namespace=3:application=4"
MYSQL_SPEC = "6b1f3c2e-5a4d-4e7b-9c1a-0d2e3f4a5b6c"
# Only the fixtures the benchmarks use, which every npsim reads: an older binary given to --compare may not know
# the keys of newer fixture files.
SEEDS = [arg for name in ("00-hierarchy.yaml", "10-mysql.yaml") for arg in ("--seed", os.path.join(ROOT, "fixtures", name))]
CREATE_MYSQL = "0c6e2a1b-1111-4c3d-8e9f-a0b1c2d3e4f5"
GET_CREDENTIALS = "0c6e2a1b-4444-4c3d-8e9f-a0b1c2d3e4f5"
CLIENT_FLOOR = os.path.join(ROOT, "Benchmarks/ClientFloor/.build/release/npsim-client-floor")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, token=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        payload = response.read()
        return json.loads(payload) if payload else None


def wait_healthy(url, deadline=30.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except Exception:
            time.sleep(0.001)
    raise SystemExit(f"{url} did not answer within {deadline} s")


class NPSim:
    def __init__(self, binary, *extra, db=None, wrapper=(), patience=30.0):
        """`wrapper` runs the binary under another program (valgrind), which needs `patience` to start and stop."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = tempfile.mkdtemp(prefix="npsim-bench-")
        self.patience = patience
        database = ["--db", db or os.path.join(self.dir, "npsim.sqlite")]
        self.process = subprocess.Popen(
            [*wrapper, binary, "serve", "--port", str(self.port), "--api-key", "bench", *SEEDS,
             "--log-level", "error", *database, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_healthy(self.url + "/_npsim/health", patience)
        self.token = http("POST", self.url + "/token", {"apikey": "bench"})["access_token"]

    def call(self, method, path, body=None):
        return http(method, self.url + path, body, self.token)

    def written_bytes(self):
        """Bytes of files the process dirtied for the disk (the WAL, checkpoints), less those of files deleted first."""
        with open(f"/proc/{self.process.pid}/io") as io:
            fields = dict(line.split(": ") for line in io.read().splitlines())
        return int(fields["write_bytes"]) - int(fields["cancelled_write_bytes"])

    def rss_mb(self):
        """Resident memory in MB: all of it (`VmRSS`), npsim's own (`RssAnon`: heap, stacks, SQLite's caches) and the
        pages of files it maps (`RssFile`: mostly its own code, shared by every process running the binary)."""
        with open(f"/proc/{self.process.pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status)
        return {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "RssAnon", "RssFile")}

    def active_service(self, name):
        service = self.call("POST", "/service", {"name": name, "specification_id": MYSQL_SPEC, "entity_nrn": APP_NRN,
                                                   "dimensions": {"environment": "bench"}})["id"]
        action = self.call("POST", f"/service/{service}/action", {"specification_id": CREATE_MYSQL,
                                                                   "parameters": {"version": "8.4", "size": "small"}})["id"]
        self.call("PATCH", f"/service/{service}/action/{action}", {"status": "success"})
        return service

    def add_webhook(self, url):
        """An http channel for the whole organization to `url`."""
        self.call("POST", "/notification/channel", {"nrn": "organization=1", "type": "http", "configuration": {"url": url}})

    def wait_delivered(self, count, within):
        """Polls until at least `count` deliveries are stored as delivered, for at most `within` seconds."""
        deadline = time.monotonic() + within
        while self.delivered() < count and time.monotonic() < deadline:
            time.sleep(0.05)

    def delivered(self):
        return self.call("GET", "/_npsim/deliveries?status=delivered&limit=1")["paging"]["total"]

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=self.patience)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Nginx:
    """A fast loopback sink that answers every POST with 204."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="npsim-sink-")
        config = os.path.join(self.dir, "nginx.conf")
        with open(config, "w") as f:
            f.write(f"""worker_processes 1; daemon off; pid {self.dir}/nginx.pid; error_log {self.dir}/error.log;
events {{ worker_connections 4096; }}
http {{ access_log off; client_body_temp_path {self.dir}; server {{ listen 127.0.0.1:{self.port};
  location / {{ client_max_body_size 1m; return 204; }} }} }}""")
        self.process = subprocess.Popen(["nginx", "-c", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.01)
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


async def read_message(reader):
    """Reads one HTTP/1.1 message (request or response) with a Content-Length body: (start line, body)."""
    start = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return start, await reader.readexactly(length)


async def post_many(url, token, paths_and_bodies, concurrency):
    """POSTs with a pool of keep-alive connections (plain asyncio, no third-party client)."""
    host, port = url.replace("http://", "").split(":")
    queue = asyncio.Queue()
    for item in paths_and_bodies:
        queue.put_nowait(item)
    results = []

    async def worker():
        reader, writer = await asyncio.open_connection(host, int(port))
        while not queue.empty():
            path, body = queue.get_nowait()
            payload = json.dumps(body).encode()
            writer.write((f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                          f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n").encode() + payload)
            await writer.drain()
            status_line, body_bytes = await read_message(reader)
            results.append((int(status_line.split()[1]), body_bytes))
        writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


def wrk(url, body, seconds, headers=None):
    """Runs wrk POSTing `body` to `url` for `seconds` from 16 keep-alive connections; returns (requests/s, non-2xx count)."""
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\nwrk.headers["Content-Type"] = "application/json"\n')
    for name, value in (headers or {}).items():
        script.write(f'wrk.headers[{json.dumps(name)}] = {json.dumps(value)}\n')
    script.close()
    output = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", "-s", script.name, url], capture_output=True, text=True, timeout=seconds + 30).stdout
    os.unlink(script.name)
    rate, errors = None, 0
    for line in output.splitlines():
        if line.startswith("Requests/sec:"):
            rate = float(line.split()[1])
        if "Non-2xx or 3xx responses:" in line:
            errors = int(line.split(":")[1])
    if rate is None:
        raise SystemExit("wrk printed no Requests/sec:\n" + output)
    return rate, errors


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_fanout(binary, seconds):
    """Actions created by wrk (a load generator in C, so that the client takes little of the two cores) for `seconds`,
    one http channel to nginx; the rate is deliveries stored as delivered over the time from the first request to
    the last delivery. The sink's ceiling is wrk against nginx alone with the same payload."""
    sink = Nginx()
    npsim = NPSim(binary)
    try:
        npsim.add_webhook(sink.url)
        service = npsim.active_service("fanout")
        npsim.wait_delivered(1, within=30)
        before = npsim.delivered()
        notifications_before = npsim.call("GET", "/notification?limit=1")["paging"]["total"]
        written_before = npsim.written_bytes()
        started = time.monotonic()
        create_rate, refused = wrk(f"{npsim.url}/service/{service}/action", json.dumps({"specification_id": GET_CREDENTIALS}), seconds,
                                   {"Authorization": "Bearer " + npsim.token})
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            # Requests wrk left in flight may still be stored: the count of accepted actions is read again each round.
            accepted = npsim.call("GET", "/notification?limit=1")["paging"]["total"] - notifications_before
            if npsim.delivered() - before >= accepted:
                break
            time.sleep(0.01)
        elapsed = time.monotonic() - started
        delivered = npsim.delivered() - before
        written = npsim.written_bytes() - written_before
        sample = npsim.call("GET", "/notification?limit=1")["results"][0]
        body = {"id": sample["id"], "source": "service", "created_at": "0", "notification": sample["notification"]}
        # npsim's own floor: the same payload POSTed to a path it does not route, answered with a JSON 404 through
        # the whole middleware chain, storing and sending nothing. No fan-out can be faster than this.
        floor, _ = wrk(f"{npsim.url}/_npsim/unrouted", json.dumps(body), 5, {"Authorization": "Bearer " + npsim.token})
    finally:
        npsim.stop()
    try:
        ceiling, _ = wrk(sink.url, json.dumps(body), 5)
        client_floor = client_floor_rps(sink.url, json.dumps(body), 5)
    finally:
        sink.stop()
    rate = delivered / elapsed
    # A delivery costs npsim at least one exchange on each side, on the same cores: the rate no fan-out through
    # this HTTP stack can pass, even storing nothing.
    stack_bound = 1 / (1 / floor + 1 / client_floor)
    return {"actions": accepted, "refused": refused, "created_per_s": create_rate, "delivered": delivered, "seconds": elapsed,
            "deliveries_per_s": rate, "sink_ceiling_rps": ceiling, "ratio": rate / ceiling, "disk_kb_per_action": written / 1024 / accepted,
            "npsim_404_rps": floor, "npsim_404_ratio": floor / ceiling, "client_floor_rps": client_floor,
            "client_floor_ratio": client_floor / ceiling, "stack_bound_rps": stack_bound, "stack_bound_ratio": stack_bound / ceiling,
            "of_stack_bound": rate / stack_bound}


def client_floor_rps(url, body, seconds):
    """The client side of npsim's floor: AsyncHTTPClient, configured as the dispatcher configures it, POSTing `body`
    to `url` from as many requests at once as a channel has delivery slots, with nothing else to do."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as payload:
        payload.write(body)
        payload.flush()
        output = subprocess.run([CLIENT_FLOOR, url, "--body", payload.name, "--seconds", str(seconds), "--concurrency", "32"],
                                capture_output=True, text=True, timeout=seconds + 30)
    if output.returncode != 0:
        raise SystemExit(f"{CLIENT_FLOOR} failed:\n{output.stderr}")
    return json.loads(output.stdout)["requests_per_s"]


def callgrind_instructions(binary, actions):
    """Instructions npsim executed under callgrind, from start to exit, with `actions` actions POSTed by 16
    connections and delivered to nginx through one http channel."""
    sink = Nginx()
    out = tempfile.mktemp(prefix="npsim-callgrind-")
    npsim = NPSim(binary, wrapper=("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"), patience=300)
    try:
        npsim.add_webhook(sink.url)
        service = npsim.active_service("instructions")
        before = npsim.delivered()
        asyncio.run(post_many(npsim.url, npsim.token, [(f"/service/{service}/action", {"specification_id": GET_CREDENTIALS})] * actions, 16))
        npsim.wait_delivered(before + actions, within=300)
    finally:
        npsim.stop()
        sink.stop()
    with open(out) as profile:
        total = next(int(line.split()[1]) for line in profile if line.startswith(("summary:", "totals:")))
    os.remove(out)
    return total


def bench_instructions(binary, actions, compare=None):
    """Instructions per delivered action: a count, not a time, so it does not drift with the machine; the figure to
    compare two builds by when a change is smaller than the fan-out's noise. A run with no actions is subtracted
    (start-up, seeding, shutdown). valgrind cannot read the DWARF 5 of Swift binaries, so copies without debug
    information are measured."""
    result = {}
    for name, candidate in [("npsim", binary)] + ([("compared", compare)] if compare else []):
        stripped = tempfile.mktemp(prefix="npsim-stripped-")
        subprocess.run(["strip", "-g", "-o", stripped, candidate], check=True)
        try:
            idle, loaded = callgrind_instructions(stripped, 0), callgrind_instructions(stripped, actions)
        finally:
            os.remove(stripped)
        result[name] = {"binary": candidate, "actions": actions, "instructions_per_action": (loaded - idle) / actions}
    if compare:
        result["times_the_compared"] = result["npsim"]["instructions_per_action"] / result["compared"]["instructions_per_action"]
    return result


def process_cpu_seconds(pid):
    """User and system CPU seconds a process has used so far (from /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def cpu_per_action(binary, actions):
    """npsim's own CPU time (user and system, microseconds) per action POSTed by 16 connections and delivered to nginx
    through one http channel. Unlike a rate it does not depend on what else runs on the machine, and unlike an
    instruction count it includes the kernel's work for npsim (timers, wake-ups, sockets)."""
    sink = Nginx()
    npsim = NPSim(binary)
    try:
        npsim.add_webhook(sink.url)
        service = npsim.active_service("cpu")
        before = npsim.delivered()
        start = process_cpu_seconds(npsim.process.pid)
        asyncio.run(post_many(npsim.url, npsim.token, [(f"/service/{service}/action", {"specification_id": GET_CREDENTIALS})] * actions, 16))
        npsim.wait_delivered(before + actions, within=300)
        end = process_cpu_seconds(npsim.process.pid)
    finally:
        npsim.stop()
        sink.stop()
    user, system = ((e - s) / actions * 1e6 for s, e in zip(start, end))
    return {"user_us": round(user, 1), "system_us": round(system, 1), "total_us": round(user + system, 1)}


def bench_cpu(binary, actions, rounds, compare=None):
    """``cpu_per_action`` in `rounds` alternating runs of each build; the median total of each is reported."""
    return alternating_rounds(lambda candidate: cpu_per_action(candidate, actions), binary, rounds, compare, "total_us")


def alternating_rounds(run, binary, rounds, compare, key):
    """`run` `rounds` times for `binary`, alternating with `compare` when given, so that both see the same machine;
    reports the run with the median `key`, every round's `key`, and the ratio of the medians."""
    runs = {binary: [], compare: []} if compare else {binary: []}
    for _ in range(rounds):
        for candidate in runs:
            runs[candidate].append(run(candidate))
    def median(results):
        return sorted(results, key=lambda result: result[key])[len(results) // 2]
    result = dict(median(runs[binary]), rounds=[round(result[key], 1) for result in runs[binary]])
    if compare:
        other = median(runs[compare])
        result["compared"] = dict(other, binary=compare, rounds=[round(result[key], 1) for result in runs[compare]])
        result["times_the_compared"] = result[key] / other[key]
    return result


def bench_fanout_rounds(binary, seconds, rounds, compare=None):
    """``bench_fanout`` `rounds` times, alternating with `compare` when given; the run with the median rate is
    reported, with every round's rate (machines here are noisy: a neighbour's load comes and goes within minutes)."""
    return alternating_rounds(lambda candidate: bench_fanout(candidate, seconds), binary, rounds, compare, "deliveries_per_s")


class ArrivalSink:
    """Records when each notification arrives (asyncio HTTP server on loopback)."""

    def __init__(self):
        self.arrivals = {}
        self.port = free_port()

    async def handle(self, reader, writer):
        try:
            while True:
                start, body = await read_message(reader)
                if not start:
                    break
                self.arrivals[json.loads(body)["notification"]["id"]] = time.perf_counter()
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        writer.close()


def bench_latency(binary, count=1000, rate=200):
    async def run():
        sink = ArrivalSink()
        server = await asyncio.start_server(sink.handle, "127.0.0.1", sink.port)
        npsim = await asyncio.to_thread(NPSim, binary)
        try:
            await asyncio.to_thread(npsim.add_webhook, f"http://127.0.0.1:{sink.port}/hook")
            service = await asyncio.to_thread(npsim.active_service, "latency")
            reader, writer = await asyncio.open_connection("127.0.0.1", npsim.port)
            sent = {}
            interval = 1.0 / rate
            start = time.perf_counter()
            for index in range(count):
                target = start + index * interval
                delay = target - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                payload = json.dumps({"specification_id": GET_CREDENTIALS}).encode()
                began = time.perf_counter()
                writer.write((f"POST /service/{service}/action HTTP/1.1\r\nHost: 127.0.0.1:{npsim.port}\r\nAuthorization: Bearer {npsim.token}\r\n"
                              f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n").encode() + payload)
                await writer.drain()
                _, body = await read_message(reader)
                reply = json.loads(body)
                if "id" not in reply:
                    raise SystemExit(f"npsim refused an action: {reply}")
                sent[reply["id"]] = began
            deadline = time.perf_counter() + 30
            while len([k for k in sent if k in sink.arrivals]) < count and time.perf_counter() < deadline:
                await asyncio.sleep(0.01)
            latencies = [(sink.arrivals[k] - v) * 1000 for k, v in sent.items() if k in sink.arrivals]
            return latencies
        finally:
            await asyncio.to_thread(npsim.stop)
            server.close()

    latencies = asyncio.run(run())
    return {"count": len(latencies), "p50_ms": statistics.median(latencies), "p99_ms": percentile(latencies, 99)}


def cold_start(command, health_url, runs=5):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_healthy(health_url)
        times.append((time.perf_counter() - started) * 1000)
        process.terminate()
        process.wait(timeout=20)
    return statistics.median(times)


def bench_cold_start(binary):
    port = free_port()
    npsim = cold_start([binary, "serve", "--in-memory", "--port", str(port), "--api-key", "x"], f"http://127.0.0.1:{port}/_npsim/health")
    moto_port = free_port()
    moto = cold_start(["moto_server", "-p", str(moto_port)], f"http://127.0.0.1:{moto_port}/moto-api/")
    return {"npsim_ms": npsim, "moto_server_ms": moto, "times_faster": moto / npsim}


def idle_rss(binary):
    """Resident memory of an idle npsim in two states of the kernel's page cache, which decide how much of the
    binary's code a start maps: the file not cached (as on a machine's first start after a boot), and the file read
    whole just before (a copy, a checksum or `strip` leaves it cached in large folios, and a fault then maps a whole
    folio of code where it would map a few pages)."""
    result = {}
    for state in ("not cached", "read whole"):
        with open(binary, "rb") as file:
            os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            if state == "read whole":
                while file.read(1 << 20):
                    pass
        npsim = NPSim(binary)
        try:
            result[state] = npsim.rss_mb()
        finally:
            npsim.stop()
    return result


def bench_memory_and_reads(binary, notifications, rows):
    idle = idle_rss(binary)
    sink = Nginx()
    npsim = NPSim(binary, "--attempt-retention", "20000")
    try:
        npsim.add_webhook(sink.url)
        service = npsim.active_service("memory")
        batch = 5000
        for start in range(0, notifications, batch):
            asyncio.run(post_many(npsim.url, npsim.token,
                                  [(f"/service/{service}/action", {"specification_id": GET_CREDENTIALS})] * min(batch, notifications - start), 16))
        npsim.wait_delivered(notifications, within=600)
        loaded = npsim.rss_mb()
        database_mb = sum(os.path.getsize(os.path.join(npsim.dir, f)) for f in os.listdir(npsim.dir)) / 1e6
        asyncio.run(post_many(npsim.url, npsim.token, [("/service", {"name": f"svc-{i}", "specification_id": MYSQL_SPEC, "entity_nrn": APP_NRN})
                                                       for i in range(rows)], 16))
        reads = {}
        for name, path in [("health (baseline)", "/_npsim/health"), ("list services", "/service?limit=30&offset=5000"),
                           ("list services by nrn", f"/service?nrn={APP_NRN.replace('=', '%3D')}&limit=30"),
                           ("list notifications", "/notification?limit=30&offset=5000")]:
            samples = []
            for _ in range(200):
                began = time.perf_counter()
                npsim.call("GET", path)
                samples.append((time.perf_counter() - began) * 1000)
            reads[name] = {"p50_ms": statistics.median(samples), "p99_ms": percentile(samples, 99)}
    finally:
        npsim.stop()
        sink.stop()
    return {"idle_rss_mb": idle, "loaded_rss_mb": loaded, "notifications": notifications, "database_mb": database_mb, "reads": reads}


def bench_reset(binary, rounds=20, services=50, restarts=5):
    """What isolating one test costs: `POST /_npsim/reset` after a test that left `services` services, each with a
    Create action, its notification and its delivery to nginx, against a restart (npsim stopped, then started on a
    new database with the fixtures and ready for a token). Medians; only the reset or the restart is timed."""
    sink = Nginx()
    npsim = NPSim(binary)
    resets = []
    try:
        npsim.add_webhook(sink.url)
        for _ in range(rounds):
            for index in range(services):
                service = npsim.call("POST", "/service", {"name": f"test-{index}", "specification_id": MYSQL_SPEC,
                                                          "entity_nrn": APP_NRN, "dimensions": {"environment": "bench"}})["id"]
                npsim.call("POST", f"/service/{service}/action", {"specification_id": CREATE_MYSQL,
                                                                  "parameters": {"version": "8.4", "size": "small"}})
            began = time.perf_counter()
            removed = npsim.call("POST", "/_npsim/reset", {})["removed"]
            resets.append((time.perf_counter() - began) * 1000)
            if removed["services"] != services:
                raise SystemExit(f"the reset removed {removed['services']} services, not {services}")
        restart_times = []
        for _ in range(restarts):
            began = time.perf_counter()
            npsim.stop()
            npsim = NPSim(binary)
            restart_times.append((time.perf_counter() - began) * 1000)
    finally:
        npsim.stop()
        sink.stop()
    reset_ms, restart_ms = statistics.median(resets), statistics.median(restart_times)
    return {"services_per_test": services, "reset_ms": reset_ms, "reset_p_max_ms": max(resets), "restart_ms": restart_ms,
            "restart_over_reset": restart_ms / reset_ms}


def bench_scenarios(binary, count=100):
    """A 100-scenario suite run by `npsim test`: each scenario is isolated by a reset, creates a service, starts its
    Create action, reports success as the runner would and expects the action and the service to reach their end."""
    npsim = NPSim(binary)
    directory = tempfile.mkdtemp(prefix="npsim-scenarios-")
    try:
        path = os.path.join(directory, "suite.json")
        steps = [
            {"service": {"name": "db", "specification": "mysql", "nrn": APP_NRN, "dimensions": {"environment": "bench"}}, "as": "db"},
            {"action": {"on": "$db", "action": "create-mysql", "parameters": {"version": "8.4", "size": "small"}}, "as": "create"},
            {"report": {"action": "$create", "status": "success", "results": {"hostname": "db.local"}}},
            {"expect": {"action": "$create", "status": "success"}},
            {"expect": {"service": "$db", "status": "active"}},
        ]
        with open(path, "w") as f:
            json.dump({"scenarios": [{"name": f"scenario {n}", "steps": steps} for n in range(count)]}, f)
        began = time.perf_counter()
        run = subprocess.run([binary, "test", path, "--url", npsim.url, "--api-key", "bench"], capture_output=True, text=True, timeout=600)
        seconds = time.perf_counter() - began
        if run.returncode != 0:
            raise SystemExit(f"the scenario suite failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    finally:
        npsim.stop()
        shutil.rmtree(directory, ignore_errors=True)
    return {"scenarios": count, "seconds": seconds, "ms_per_scenario": seconds * 1000 / count}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/npsim"))
    parser.add_argument("--fanout-seconds", type=int, default=3)
    parser.add_argument("--memory-notifications", type=int, default=100000)
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--only", choices=["fanout", "latency", "cold", "memory", "instructions", "cpu", "reset", "scenarios"])
    parser.add_argument("--cpu-actions", type=int, default=20000, metavar="ACTIONS",
                        help="actions per round of the CPU time per action (with --only cpu; rounds: --fanout-rounds)")
    parser.add_argument("--instructions", type=int, default=2000, metavar="ACTIONS",
                        help="actions for the instruction count under callgrind (with --only instructions; with --compare, both builds)")
    parser.add_argument("--fanout-rounds", type=int, default=1, help="fan-out runs; the median is reported")
    parser.add_argument("--compare", metavar="BINARY",
                        help="another npsim build (an older commit, say): its fan-out rounds alternate with --binary's, "
                             "so that both see the same machine, and the ratio of the medians is reported; with "
                             "--only instructions, its instruction count is measured too and the ratio reported; its idle "
                             "memory is measured too")
    args = parser.parse_args()
    for tool in ["wrk", "nginx", "moto_server"] + (["valgrind", "strip"] if args.only == "instructions" else []):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: run Benchmarks/setup")
    # The client floor is measured in each fan-out round only.
    for binary in [args.binary] + ([CLIENT_FLOOR] if args.only in (None, "fanout") else []):
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{binary} is missing: run Benchmarks/setup, which builds it")
    results = {"machine": f"{os.cpu_count()} cores, {os.uname().release}"}
    if args.only in (None, "cold"):
        results["cold_start"] = bench_cold_start(args.binary)
        print(json.dumps({"cold_start": results["cold_start"]}), flush=True)
    if args.only in (None, "latency"):
        results["latency"] = bench_latency(args.binary)
        print(json.dumps({"latency": results["latency"]}), flush=True)
    if args.only in (None, "fanout"):
        results["fanout"] = bench_fanout_rounds(args.binary, args.fanout_seconds, args.fanout_rounds, args.compare)
        print(json.dumps({"fanout": results["fanout"]}), flush=True)
    if args.only == "instructions":
        results["instructions"] = bench_instructions(args.binary, args.instructions, args.compare)
        print(json.dumps({"instructions": results["instructions"]}), flush=True)
    if args.only == "cpu":
        results["cpu"] = bench_cpu(args.binary, args.cpu_actions, args.fanout_rounds, args.compare)
        print(json.dumps({"cpu": results["cpu"]}), flush=True)
    if args.only in (None, "reset"):
        results["reset"] = bench_reset(args.binary)
        print(json.dumps({"reset": results["reset"]}), flush=True)
    if args.only in (None, "scenarios"):
        results["scenarios"] = bench_scenarios(args.binary)
        print(json.dumps({"scenarios": results["scenarios"]}), flush=True)
    if args.only in (None, "memory"):
        results["memory"] = bench_memory_and_reads(args.binary, args.memory_notifications, args.rows)
        if args.compare:
            results["memory"]["compared_idle_rss_mb"] = idle_rss(args.compare)
        print(json.dumps({"memory": results["memory"]}), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
