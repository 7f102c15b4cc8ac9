"""The blocking clients against a real local server: plain sync code, inside a running event
loop, many threads at once, one reused connection, a clean close (explicit, ``with``, or by the
garbage collector) and per-call timeouts."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

import bland_pools
import ghl_pools
from bland_pools import BlandClient, DialingPool
from ghl_pools import GHLClient

from ._server import SLOW_POOL_ID, LocalServer
from ._support import API_KEY, GHL_TOKEN, KEY_ID, LOCATION, NUMBERS


def _bland(server: LocalServer, **kwargs: object) -> BlandClient:
    return BlandClient(api_key=API_KEY, base_url=server.base_url, **kwargs)  # type: ignore[arg-type]


def test_every_call_works_from_plain_sync_code(local_server: LocalServer) -> None:
    with _bland(local_server) as bland:
        created = bland.pools.create(NUMBERS, encrypted_key=KEY_ID)
        fetched = bland.pools.get(created.id)
        updated = bland.pools.update(created.id, NUMBERS[:1], encrypted_key=None)
        listed = bland.pools.list()

    assert isinstance(created, DialingPool)
    assert fetched == created
    assert updated.phone_numbers == (NUMBERS[0],)
    assert updated.encrypted_key is None
    assert [p.id for p in listed] == [created.id]


def test_the_real_wire_carries_the_documented_headers(local_server: LocalServer) -> None:
    with _bland(local_server) as bland:
        created = bland.pools.create(NUMBERS)
        bland.pools.get(created.id)
        bland.pools.update(created.id, NUMBERS)

    post, get, update = local_server.received
    for seen in (post, get, update):
        assert seen.headers["Authorization"] == API_KEY
        assert seen.headers["User-Agent"].startswith(f"bland-pools/{bland_pools.__version__}")
    assert post.headers["Content-Type"] == "application/json"
    assert update.headers["Content-Type"] == "application/json"
    assert "Content-Type" not in get.headers
    assert post.body == b'{"phone_numbers":["+12345678901","+19876543210","+15551234567"]}'
    assert update.path_qs == f"/v1/custom-dialing-pools/{created.id}/update"


def test_documented_errors_arrive_through_the_blocking_client(local_server: LocalServer) -> None:
    with _bland(local_server) as bland, pytest.raises(bland_pools.PoolNotFoundError) as caught:
        bland.pools.get("550e8400-e29b-41d4-a716-446655440009")

    assert caught.value.status == 404
    assert caught.value.message == "Geospatial dialing pool not found"


async def test_the_blocking_client_works_inside_a_running_event_loop(
    local_server: LocalServer,
) -> None:
    # As in a Jupyter cell: this coroutine's loop is running while the blocking call waits.
    with _bland(local_server) as bland:
        created = bland.pools.create(NUMBERS)
        assert bland.pools.get(created.id) == created

    with GHLClient(token=GHL_TOKEN, base_url=local_server.base_url) as ghl:
        assert ghl.pools.list(location_id=LOCATION).total == 1


def test_eight_threads_share_one_client(local_server: LocalServer) -> None:
    pools = [local_server.add_pool([f"+1555000{i:04d}"]) for i in range(8)]
    start = threading.Barrier(8)

    with _bland(local_server) as bland:

        def fetch(index: int) -> list[str]:
            start.wait()
            return [bland.pools.get(pools[index]["id"]).id for _ in range(5)]

        with ThreadPoolExecutor(max_workers=8) as executor:
            results = list(executor.map(fetch, range(8)))

    assert results == [[pool["id"]] * 5 for pool in pools]
    assert len(local_server.received) == 40
    assert local_server.connections <= 8


def test_sequential_calls_reuse_one_connection(local_server: LocalServer) -> None:
    pool = local_server.add_pool(NUMBERS)

    with _bland(local_server) as bland:
        for _ in range(25):
            bland.pools.get(pool["id"])
        bland.pools.list()

    assert len(local_server.received) == 26
    assert local_server.connections == 1


def test_ghl_sequential_calls_reuse_one_connection(local_server: LocalServer) -> None:
    with GHLClient(token=GHL_TOKEN, base_url=local_server.base_url, location_id=LOCATION) as ghl:
        for _ in range(10):
            page = ghl.pools.list()

    assert page.total == 1
    assert local_server.connections == 1
    assert all(
        r.path_qs == f"/phone-system/number-pools?locationId={LOCATION}"
        for r in local_server.received
    )
    assert all(r.headers["Version"] == "2021-07-28" for r in local_server.received)
    assert all(r.headers["Authorization"] == f"Bearer {GHL_TOKEN}" for r in local_server.received)


def test_ghl_rate_limit_figures_are_readable_from_the_blocking_client(
    local_server: LocalServer,
) -> None:
    with GHLClient(token=GHL_TOKEN, base_url=local_server.base_url) as ghl:
        assert ghl.rate_limit is None
        ghl.pools.list(location_id=LOCATION)
        info = ghl.rate_limit

    assert info is not None
    assert (info.limit, info.remaining, info.interval) == (100, 99, 10.0)
    assert ghl.rate_limit_for(LOCATION) == info


def test_a_token_provider_runs_on_the_clients_own_loop_every_time(
    local_server: LocalServer,
) -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    async def provider() -> str:
        loops.append(asyncio.get_running_loop())
        return GHL_TOKEN

    with GHLClient(token=provider, base_url=local_server.base_url) as ghl:
        ghl.pools.list(location_id=LOCATION)
        ghl.pools.list(location_id=LOCATION)

    assert len(loops) == 2
    assert loops[0] is loops[1]  # one loop for the client's life: its session lives there
    assert loops[0].is_closed()  # and closed with it


def test_a_blocking_call_from_the_clients_own_loop_is_refused_not_deadlocked(
    local_server: LocalServer,
) -> None:
    holder: list[GHLClient] = []

    async def provider() -> str:
        holder[0].pools.list(location_id=LOCATION)  # re-enters the blocking client
        return GHL_TOKEN

    with GHLClient(token=provider, base_url=local_server.base_url) as ghl:
        holder.append(ghl)
        with pytest.raises(RuntimeError, match="deadlock"):
            ghl.pools.list(location_id=LOCATION)


# -- closing -------------------------------------------------------------------------------


def _loop_threads() -> set[threading.Thread]:
    """The blocking clients' private loop threads now alive (named ``<Client>-loop``)."""
    return {t for t in threading.enumerate() if t.name.endswith("Client-loop")}


def test_a_client_used_from_one_thread_runs_its_loop_in_that_thread(
    local_server: LocalServer,
) -> None:
    threads: list[threading.Thread] = []

    async def provider() -> str:
        threads.append(threading.current_thread())
        return GHL_TOKEN

    before = _loop_threads()
    with GHLClient(token=provider, base_url=local_server.base_url) as ghl:
        for _ in range(3):
            ghl.pools.list(location_id=LOCATION)
        assert _loop_threads() == before  # no thread of its own: nothing to hand calls to

    assert threads == [threading.current_thread()] * 3


def test_close_is_idempotent_and_closes_the_connections(local_server: LocalServer) -> None:
    bland = _bland(local_server)
    bland.pools.list()
    assert local_server.open_connections() == 1

    bland.close()
    bland.close()

    assert bland.closed
    assert local_server.open_connections(expected=0) == 0
    assert "closed" in repr(bland)


def test_with_closes_the_client(local_server: LocalServer) -> None:
    with _bland(local_server) as bland:
        bland.pools.list()

    assert bland.closed
    assert local_server.open_connections(expected=0) == 0


def test_a_second_thread_moves_the_loop_to_a_thread_of_its_own(local_server: LocalServer) -> None:
    pool = local_server.add_pool(NUMBERS)
    before = _loop_threads()
    bland = _bland(local_server)
    first_sent = threading.Event()
    outcome: list[object] = []

    def slow_call() -> None:
        first_sent.set()
        try:
            bland.pools.get(SLOW_POOL_ID, timeout=0.5, max_retries=0)
        except bland_pools.APITimeoutError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=slow_call)
    caller.start()
    first_sent.wait()
    deadline = time.monotonic() + 10
    while not local_server.received and time.monotonic() < deadline:
        time.sleep(0.01)
    # The other thread runs the loop for its call; this one waits for it, then the loop
    # moves to a thread of its own, where every call goes from now on.
    assert bland.pools.get(pool["id"]).id == pool["id"]
    caller.join(timeout=10)
    (thread,) = _loop_threads() - before
    assert thread.is_alive()
    assert isinstance(outcome[0], bland_pools.APITimeoutError)
    assert bland.pools.get(pool["id"]).id == pool["id"]

    bland.close()
    bland.close()

    assert not thread.is_alive()
    assert local_server.open_connections(expected=0) == 0


def test_calls_after_close_raise_a_clear_error(local_server: LocalServer) -> None:
    with _bland(local_server) as bland:
        bland.pools.list()

    with pytest.raises(RuntimeError, match="closed"):
        bland.pools.list()
    with pytest.raises(RuntimeError, match="closed"), bland:
        pass
    assert len(local_server.received) == 1


@pytest.mark.parametrize("max_retries", [0, 2])
def test_a_call_in_flight_when_another_thread_closes_gets_a_clear_error(
    local_server: LocalServer, max_retries: int
) -> None:
    # (With retries left, a connection error would be retried; without, it would be raised.)
    bland = _bland(local_server, timeout=30.0, max_retries=max_retries)
    outcome: list[BaseException] = []

    def slow_call() -> None:
        try:
            bland.pools.get(SLOW_POOL_ID)
        except BaseException as exc:  # whatever it is, the test looks at it
            outcome.append(exc)

    caller = threading.Thread(target=slow_call)
    caller.start()
    deadline = time.monotonic() + 10
    while not local_server.received and time.monotonic() < deadline:
        time.sleep(0.01)
    bland.close()
    caller.join(timeout=10)

    assert not caller.is_alive()
    (exc,) = outcome
    # Not a bare concurrent.futures.CancelledError; a RuntimeError, as it always was.
    assert type(exc) is bland_pools.ClientClosedError
    assert isinstance(exc, RuntimeError)
    assert "closed while this call was in flight" in str(exc)


def test_close_from_the_clients_own_loop_is_refused_and_leaves_it_usable(
    local_server: LocalServer,
) -> None:
    holder: list[GHLClient] = []
    refused: list[RuntimeError] = []

    async def provider() -> str:
        if not refused:
            try:
                holder[0].close()  # on the client's own loop: must be refused
            except RuntimeError as exc:
                refused.append(exc)
        return GHL_TOKEN

    with GHLClient(token=provider, base_url=local_server.base_url) as ghl:
        holder.append(ghl)
        ghl.pools.list(location_id=LOCATION)

        assert "own event loop" in str(refused[0])
        assert not ghl.closed
        assert ghl.pools.list(location_id=LOCATION).total == 1
    assert ghl.closed


def test_a_client_never_used_closes_without_starting_a_loop() -> None:
    before = _loop_threads()
    bland = BlandClient(api_key=API_KEY)
    bland.close()

    assert bland.closed
    assert _loop_threads() == before
    with pytest.raises(RuntimeError, match="closed"):
        bland.pools.get("550e8400-e29b-41d4-a716-446655440001")


def test_a_dropped_client_is_closed_by_the_garbage_collector_without_warnings(
    local_server: LocalServer,
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bland = _bland(local_server)
        bland.pools.list()
        ghl = GHLClient(token=GHL_TOKEN, base_url=local_server.base_url)
        ghl.pools.list(location_id=LOCATION)
        assert local_server.open_connections() == 2
        del bland, ghl
        gc.collect()

    assert [str(w.message) for w in caught] == []
    assert local_server.open_connections(expected=0) == 0


def test_a_client_used_only_through_its_pools_stays_open_while_they_are_in_use(
    local_server: LocalServer,
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # A one-liner: nothing but the call's own frame holds the client.
        assert _bland(local_server).pools.list() == []
        listed = GHLClient(token=GHL_TOKEN, base_url=local_server.base_url).pools.list(
            location_id=LOCATION
        )
        assert listed.total == 1
        assert local_server.open_connections(expected=0) == 0  # both collected and closed
        # Only the pools kept: the client must not be collected (and closed) under them.
        pools = _bland(local_server).pools
        gc.collect()
        assert pools.list() == []
        gc.collect()
        assert pools.list() == []
        assert local_server.open_connections() == 1  # still open, reused
        del pools
        gc.collect()

    assert [str(w.message) for w in caught] == []
    assert local_server.open_connections(expected=0) == 0  # once the pools went too


# -- per-call timeout ----------------------------------------------------------------------


def test_a_per_call_timeout_applies_and_the_client_stays_usable(local_server: LocalServer) -> None:
    pool = local_server.add_pool(NUMBERS)

    with _bland(local_server) as bland:
        with pytest.raises(bland_pools.APITimeoutError):
            bland.pools.get(SLOW_POOL_ID, timeout=0.2, max_retries=0)
        assert bland.pools.get(pool["id"]).id == pool["id"]


def test_a_client_timeout_applies_to_every_call(local_server: LocalServer) -> None:
    with (
        _bland(local_server, timeout=0.2, max_retries=0) as bland,
        pytest.raises(bland_pools.APITimeoutError),
    ):
        bland.pools.get(SLOW_POOL_ID)


def test_a_ghl_401_without_a_body_arrives_as_authentication_error(
    local_server: LocalServer,
) -> None:
    with (
        GHLClient(token="wrong-token", base_url=local_server.base_url) as ghl,
        pytest.raises(ghl_pools.AuthenticationError) as caught,
    ):
        ghl.pools.list(location_id=LOCATION)

    assert caught.value.status == 401


# -- interruption and fork -----------------------------------------------------------------


@pytest.fixture
def sigint() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt in the main thread for this test, even where the test
    run ignores it (a background job, some CI runners)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("sigint")
def test_ctrl_c_while_waiting_cancels_the_request(local_server: LocalServer) -> None:
    pool = local_server.add_pool(NUMBERS)

    with _bland(local_server) as bland:
        interrupt = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
        interrupt.start()
        with pytest.raises(KeyboardInterrupt):
            bland.pools.get(SLOW_POOL_ID, timeout=30, max_retries=0)
        interrupt.join()

        # The cancellation reaches the loop thread and the wire promptly: the connection is
        # closed, and the server's handler is cancelled with it.
        assert local_server.slow_cancelled.wait(5)
        assert bland.pools.get(pool["id"]).id == pool["id"]  # and the client still works


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_opens_its_own_loop_and_connections(local_server: LocalServer) -> None:
    pool = local_server.add_pool(NUMBERS)
    with _bland(local_server) as bland:
        assert bland.pools.get(pool["id"]).id == pool["id"]  # the parent's loop is running
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns about fork() in a process with threads: that is the point.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: report what it got, then leave without pytest's teardown
            signal.alarm(20)  # a child stuck on the parent's dead loop dies; the parent sees ""
            try:
                answer = bland.pools.get(pool["id"]).id
            except BaseException as exc:  # pragma: no cover - reported to the parent
                answer = f"failed: {exc!r}"
            os.write(write_end, answer.encode())
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            child_answer = pipe.read()
        os.waitpid(pid, 0)

        assert child_answer == pool["id"]
        assert bland.pools.get(pool["id"]).id == pool["id"]  # the parent is untouched
    # The child did not write on the parent's socket: it opened a connection of its own.
    assert local_server.connections == 2


_FORK_AND_EXIT = """
import os, sys, time
from bland_pools import BlandClient
base_url, api_key, pool_id = sys.argv[1:4]
bland = BlandClient(api_key=api_key, base_url=base_url, timeout=5, max_retries=0)
bland.pools.get(pool_id)  # the parent's loop, thread and pooled connection are up
pid = os.fork()
if pid == 0:
    bland.pools.get(pool_id)
    sys.exit(0)  # a normal exit: the inherited loop and session are collected and closed
os.waitpid(pid, 0)
started = time.monotonic()
bland.pools.get(pool_id)  # must not wait on a socket the child unregistered
print(round(time.monotonic() - started, 3))
bland.close()
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_child_that_exits_normally_leaves_the_parents_connections_working(
    local_server: LocalServer,
) -> None:
    pool = local_server.add_pool(NUMBERS)

    done = subprocess.run(
        [sys.executable, "-c", _FORK_AND_EXIT, local_server.base_url, API_KEY, pool["id"]],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # With a timeout of 5 s and no retries, a stalled pooled connection fails the last get.
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 5
    # Parent then child then parent again on its first connection: two connections in all.
    assert local_server.connections == 2
