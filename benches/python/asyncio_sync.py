"""The asyncio column of the sync benchmarks in `benches/compare.rs`.

The same three workloads with asyncio's own primitives, timed with
`time.perf_counter`, best of `REPEAT` runs, per element:

    python3 benches/python/asyncio_sync.py

queue_pipe: one producer task puts 1,000,000 ints through an
asyncio.Queue (maxsize 64, then unbounded); main gets them all.
mutex_handoff: 100 tasks each, 1,000 times: `async with lock`, add one,
`await asyncio.sleep(0)`.
semaphore_limit: 10,000 tasks through asyncio.Semaphore(10), each
`await asyncio.sleep(0)` while holding it.
"""

import asyncio
import sys
import time

ITEMS = 1_000_000
LOCKERS, ROUNDS = 100, 1_000
LIMITED = 10_000
REPEAT = 3


async def queue_pipe(maxsize):
    queue = asyncio.Queue(maxsize)

    async def producer():
        for i in range(ITEMS):
            await queue.put(i)

    task = asyncio.create_task(producer())
    total = 0
    for _ in range(ITEMS):
        total += await queue.get()
    await task
    assert total == ITEMS * (ITEMS - 1) // 2


async def mutex_handoff():
    lock = asyncio.Lock()
    count = 0

    async def locker():
        nonlocal count
        for _ in range(ROUNDS):
            async with lock:
                count += 1
                await asyncio.sleep(0)

    await asyncio.gather(*(locker() for _ in range(LOCKERS)))
    assert count == LOCKERS * ROUNDS


async def semaphore_limit():
    sem = asyncio.Semaphore(10)

    async def limited():
        async with sem:
            await asyncio.sleep(0)

    await asyncio.gather(*(limited() for _ in range(LIMITED)))


def best(make, elements):
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        asyncio.run(make())
        times.append(time.perf_counter() - start)
    return min(times) / elements * 1e9


def main():
    print(f"python {sys.version.split()[0]}, best of {REPEAT}, ns per element")
    print(f"queue_pipe_64        {best(lambda: queue_pipe(64), ITEMS):8.0f} ns/item")
    print(f"queue_pipe_unbounded {best(lambda: queue_pipe(0), ITEMS):8.0f} ns/item")
    print(f"mutex_handoff        {best(mutex_handoff, LOCKERS * ROUNDS):8.0f} ns/lock")
    print(f"semaphore_limit      {best(semaphore_limit, LIMITED):8.0f} ns/task")


if __name__ == "__main__":
    main()
