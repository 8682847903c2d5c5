"""The asyncio column of `to_thread_round_trip` in `benches/threads.rs`.

1,000 sequential `await asyncio.to_thread(f, i)` of a trivial function,
timed with `time.perf_counter`, best of `REPEAT` runs, per call:

    python3 benches/python/asyncio_threads.py
"""

import asyncio
import time

CALLS = 1_000
REPEAT = 5


def identity(i):
    return i


async def round_trips():
    for i in range(CALLS):
        await asyncio.to_thread(identity, i)


async def main():
    await round_trips()  # warm the default executor's threads
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        await round_trips()
        best = min(best, time.perf_counter() - start)
    print(f"to_thread_round_trip/asyncio: {best / CALLS * 1e6:.2f} us per call")


asyncio.run(main())
