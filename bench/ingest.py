"""Event intake: events/s through the real `POST /ingest` into PostgreSQL, beside the seed's
naive one-commit-per-event SQLAlchemy insert into the same server, in the same run.

Sides (interleaved `--repeats` times, each for `--seconds`; medians reported):
  naive     an ORM row per event, `session.add` + `commit` per event, one connection (the seed's
            design: what a synchronous handler does per request), no HTTP
  single    POST /ingest with one event per request
  batch N   POST /ingest with a JSON array of N events, for each N of `--batch-sizes`
The server is the engine's own app (build_services + create_app) under uvicorn on a free
loopback port, in a process of its own: device-key auth, pydantic validation and the field
policy (each event carries a plate_text: redacted to its HMAC, as resources/policy/rules.yaml
says for source `ingest`) all on; the rate limit off (SERVER__RATE_LIMIT_PER_S=0); uvicorn's
access log off (log level warning). The client runs in this process: `--connections`
workers, each on its own keep-alive connection; `--client raw` (the default) writes HTTP/1.1 on
an asyncio stream, `--client httpx` uses httpx.AsyncClient, which costs about as much CPU per
request as the server's HTTP handling (on 2 cores, CPU taken from the server). Every event
has a fresh id, so every one is stored; the rows in the database are counted at the end and
must match what the server said it stored.
Both sides write into a private database `sentinel_bench_<hex>` made and dropped here.

    .venv/bin/python bench/ingest.py --seconds 10 --repeats 3

`--quick` (1 s per side, 1 repeat) only proves that it works. The last line is JSON:
server_eps (the first batch size), single_eps, naive_eps, batch_size, server_eps_by_batch,
batched_vs_naive, connections, client, repeats, loadavg.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import JSON, DateTime, Float, Integer, String, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker  # noqa: E402

ADMIN_URL = os.environ.get(
    "SENTINEL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


# --- the naive side: the seed's model and one commit per event ---------------------------------


class SeedBase(DeclarativeBase):
    pass


class SeedEvent(SeedBase):
    """Seed 000's event row as a tutorial-style ORM model (serial id, JSON box)."""

    __tablename__ = "bench_seed_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    camera_id: Mapped[str] = mapped_column(String(128), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    box: Mapped[list] = mapped_column(JSON)
    plate_text: Mapped[str | None] = mapped_column(String(32))
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def run_naive(url: str, seconds: float) -> float:
    engine = create_engine(url)
    SeedBase.metadata.create_all(engine)
    sessions = sessionmaker(engine)
    count, started = 0, time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        with sessions() as session:
            session.add(
                SeedEvent(
                    event_id=str(uuid.uuid4()),
                    camera_id=f"cam-{count % 16}",
                    event_type="car",
                    score=0.8,
                    box=[1.0, 2.0, 3.0, 4.0],
                    plate_text=f"AB{count % 10000:04d}",
                    timestamp=datetime.now(timezone.utc),
                )
            )
            session.commit()
        count += 1
    elapsed = time.perf_counter() - started
    engine.dispose()
    return count / elapsed


# --- the server sides ------------------------------------------------------------------------

_TEMPLATE = (
    '{"id":"%s%012x","camera_id":"cam-%d","class_name":"car","score":0.8,"box":[1,2,3,4],'
    '"timestamp":"%s","plate_text":"AB%04d"}'
)


def _body(prefix: str, n: int, batch: int) -> bytes:
    """Events n .. n+batch-1 of a worker: one object (batch 1) or a JSON array. Ids are the
    worker's random UUID prefix plus a counter (fresh for every event, cheap to make); one
    timestamp per request, as an edge node stamps a batch it flushes."""
    stamp = datetime.now(timezone.utc).isoformat()
    events = [_TEMPLATE % (prefix, i, i % 16, stamp, i % 10000) for i in range(n, n + batch)]
    return (events[0] if batch == 1 else "[" + ",".join(events) + "]").encode()


def _id_prefix() -> str:
    """The first 20 hex digits of a random version-4 UUID, in its 8-4-4-4- layout."""
    text = str(uuid.uuid4())
    return text[:24]


class KeepAliveClient:
    """One HTTP/1.1 keep-alive connection that POSTs JSON to /ingest: the least CPU a client can
    spend per request. httpx spends about 2 ms of CPU per request, as much as the server's own
    HTTP handling, and on a 2-core machine that is taken from the server being measured."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, key: str):
        self._reader, self._writer = reader, writer
        self._head = (
            "POST /ingest HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
            f"x-api-key: {key}\r\ncontent-length: "
        ).encode()

    @classmethod
    async def open(cls, port: int, key: str) -> KeepAliveClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, key)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """(status, body) of the answer; the answers of /ingest carry a content-length."""
        self._writer.write(b"%s%d\r\n\r\n%s" % (self._head, len(body), body))
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


async def _post_loop(
    port: int, key: str, batch: int, seconds: float, connections: int, client: str = "raw"
) -> tuple[int, float]:
    """(events stored, seconds taken) by `connections` workers posting until the deadline,
    each on its own keep-alive connection (`client` "raw": KeepAliveClient, or "httpx")."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"x-api-key": key, "content-type": "application/json"}
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, headers=headers, timeout=60
    ) as shared:
        deadline = time.perf_counter() + seconds
        totals = [0]

        async def post_httpx(body: bytes) -> tuple[int, bytes]:
            answer = await shared.post("/ingest", content=body)
            return answer.status_code, answer.content

        async def worker(w: int) -> None:
            prefix, n = _id_prefix(), 0
            raw = await KeepAliveClient.open(port, key) if client == "raw" else None
            post = raw.post if raw is not None else post_httpx
            try:
                while time.perf_counter() < deadline:
                    status, answer = await post(_body(prefix, n, batch))
                    n += batch
                    if status != 200:
                        raise SystemExit(f"/ingest answered {status}: {answer[:300]!r}")
                    stored = json.loads(answer)["stored"]
                    if stored != batch:
                        raise SystemExit(f"/ingest stored {stored} of {batch}: {answer[:300]!r}")
                    totals[0] += stored
            finally:
                if raw is not None:
                    await raw.close()

        started = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(connections)))
        elapsed = time.perf_counter() - started
    return totals[0], elapsed


def run_server_side(
    port: int, key: str, batch: int, seconds: float, connections: int, client: str = "raw"
) -> tuple[float, int]:
    stored, elapsed = asyncio.run(_post_loop(port, key, batch, seconds, connections, client))
    return stored / elapsed, stored


# --- the server process ----------------------------------------------------------------------


def serve() -> int:
    """Child: the engine's app on a free loopback port; prints the port, serves until SIGTERM."""
    import threading

    import uvicorn

    from engine.config.settings import Settings
    from engine.server import create_app
    from engine.services import build_services
    from engine.storage import Database

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    db = Database.open(settings.resolved_database_url())
    app = create_app(build_services(db, settings), settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
    )
    gc.freeze()  # as `sentinel-engine serve` does once it is built

    def announce() -> None:
        while not server.started:
            time.sleep(0.02)
        print(server.servers[0].sockets[0].getsockname()[1], flush=True)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
    db.close()
    return 0


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.isdigit():
        process.kill()
        raise SystemExit(f"the server did not start (exit status {process.wait()})")
    return process, int(line)


def issue_device_key(url: str, env: dict[str, str]) -> str:
    """A device key issued by an admin through the services, as an installer would."""
    from engine.config.settings import Settings
    from engine.security.passwords import hash_password
    from engine.services import build_services
    from engine.storage import Database
    from engine.storage.repos.users import UserRepository

    db = Database.open(url)
    try:
        settings = Settings(_env_file=None, **{k: v for k, v in env.items() if "__" not in k})  # type: ignore[arg-type]
        services = build_services(db, settings)
        admin = UserRepository(db).add(
            "bench-admin", hash_password(secrets.token_hex(8)), "admin", []
        )
        principal = services.users.principal_of(admin, "bench")
        return services.device_keys.issue(principal, "bench-device").token
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per side")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats (medians)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent client requests")
    parser.add_argument(
        "--client", choices=["raw", "httpx"], default="raw", help="load generator (see above)"
    )
    parser.add_argument("--batch-sizes", default="100,1000", help="events per batched request")
    parser.add_argument("--quick", action="store_true", help="1 s per side, 1 repeat")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve()
    if args.quick:
        args.seconds, args.repeats = 1.0, 1
    batches = [int(b) for b in args.batch_sizes.split(",")]

    name = f"sentinel_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(False)
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="sentinel-bench-ingest-") as tmp:
            env = {
                "DATABASE_URL": url,
                "SENTINEL_DATA_DIR": tmp,
                "JWT_SECRET": secrets.token_hex(32),
                "POLICY_HMAC_KEY": secrets.token_hex(32),
                "API_KEY": secrets.token_hex(16),
                "SERVER__RATE_LIMIT_PER_S": "0",
                "CLUSTER__ENABLED": "false",
            }
            key = issue_device_key(url, env)
            server, port = start_server(env)
            print(
                f"server on 127.0.0.1:{port}, database {name}, {args.connections} connections, "
                f"batches {batches}, {args.seconds:g} s per side",
                file=sys.stderr,
            )
            results = run_sides(port, key, url, batches, args)
            with create_engine(url).connect() as connection:
                rows = connection.execute(text("SELECT count(*) FROM events")).scalar_one()
            if rows != results["stored"]:
                raise SystemExit(f"{rows} rows in events, the server said {results['stored']}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    medians = {k: statistics.median(v) for k, v in results["eps"].items()}
    first = str(batches[0])
    summary = {
        "server_eps": round(medians[first]),
        "single_eps": round(medians["single"]),
        "naive_eps": round(medians["naive"]),
        "batch_size": batches[0],
        "server_eps_by_batch": {str(b): round(medians[str(b)]) for b in batches},
        "batched_vs_naive": round(medians[first] / medians["naive"], 1),
        "single_vs_naive": round(medians["single"] / medians["naive"], 1),
        "connections": args.connections,
        "client": args.client,
        "seconds": args.seconds,
        "repeats": args.repeats,
        "events_stored": results["stored"],
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(summary))
    return 0


def run_sides(port: int, key: str, url: str, batches: list[int], args: argparse.Namespace) -> dict:
    eps: dict[str, list[float]] = {"naive": [], "single": [], **{str(b): [] for b in batches}}
    _, stored = run_server_side(port, key, 10, 0.5, args.connections, args.client)  # warm-up
    for repeat in range(args.repeats):
        eps["naive"].append(run_naive(url, args.seconds))
        rate, n = run_server_side(port, key, 1, args.seconds, args.connections, args.client)
        eps["single"].append(rate)
        stored += n
        for b in batches:
            rate, n = run_server_side(port, key, b, args.seconds, args.connections, args.client)
            eps[str(b)].append(rate)
            stored += n
        print(
            f"repeat {repeat + 1}: " + ", ".join(f"{k} {v[-1]:,.0f} ev/s" for k, v in eps.items()),
            file=sys.stderr,
        )
    return {"eps": eps, "stored": stored}


if __name__ == "__main__":
    sys.exit(main())
