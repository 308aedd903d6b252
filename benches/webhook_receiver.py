"""A webhook receiver for benches/webhooks.sh: answers every POST 204 at once and notes,
per request, how long after the event's commit (its body's `timestamp`) it arrived.
Plain asyncio streams (no framework), so the receiver is not the bottleneck.
Usage: webhook_receiver.py PORT OUT_FILE; on SIGTERM writes one latency (ms) per line."""

import asyncio
import datetime
import json
import signal
import sys

port, out = int(sys.argv[1]), sys.argv[2]
latencies = []
first_arrival = None
last_arrival = None


async def handle(reader, writer):
    global first_arrival, last_arrival
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            now = datetime.datetime.now(datetime.timezone.utc)
            stamp = json.loads(body)["timestamp"].replace("Z", "+00:00")
            latencies.append((now - datetime.datetime.fromisoformat(stamp)).total_seconds() * 1000)
            first_arrival = first_arrival or now
            last_arrival = now
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()
    with open(out, "w") as f:
        span = (last_arrival - first_arrival).total_seconds() if latencies else 0
        f.write(f"# {len(latencies)} {span}\n")
        f.writelines(f"{ms}\n" for ms in latencies)


asyncio.run(main())
