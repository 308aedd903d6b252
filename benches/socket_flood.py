"""Opens N connections that each send a request with an unfinished chunked body, and
waits until the server has closed every one (or a deadline passes). Prints how many
were answered and how many were still open.
Usage: socket_flood.py HOST PORT N"""
import asyncio
import sys

REQUEST = (
    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n"
)


async def one(host, port):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(REQUEST)
    await writer.drain()
    answer = b""
    try:
        while chunk := await asyncio.wait_for(reader.read(4096), 60):
            answer += chunk
    except (asyncio.TimeoutError, ConnectionError):
        return answer, False
    finally:
        writer.close()
    return answer, True


async def main(host, port, n):
    results = []
    for start in range(0, n, 250):
        batch = [asyncio.create_task(one(host, port)) for _ in range(min(250, n - start))]
        results.extend(batch)
        await asyncio.sleep(0)
    done = await asyncio.gather(*results)
    answered = sum(1 for answer, _ in done if answer.startswith(b"HTTP/1.1 "))
    closed = sum(1 for _, was_closed in done if was_closed)
    print(f"{n} sockets: {answered} answered, {n - closed} still open after 60 s")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
