"""A TCP proxy on loopback that a test can switch off and on: the way to take a service "off
the network" (Rasa, the bot's push endpoint) without touching the process behind it. With
several targets it is a round-robin load balancer (one target per connection)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter


class TcpProxy:
    def __init__(self, *target_ports: int) -> None:
        self.targets = [("127.0.0.1", port) for port in target_ports]
        self._turn = 0
        # Connections passed on, per target port.
        self.connections: Counter[int] = Counter()
        # The port stays bound while the proxy is down (bound, not listening: connections are
        # refused), so no other process of a parallel run can take it in the meantime.
        self._reserved: socket.socket | None = self._bind(0)
        self.port = self._reserved.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

    @staticmethod
    def _bind(port: int) -> socket.socket:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        return sock

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    def up(self) -> TcpProxy:
        async def start():
            if self._server is None:
                sock, self._reserved = self._reserved or self._bind(self.port), None
                self._server = await asyncio.start_server(self._pipe, sock=sock)
        self._call(start())
        return self

    def down(self) -> None:
        """Refuse new connections and cut the open ones."""
        async def stop():
            if self._server is not None:
                self._server.close()  # closes its socket
                self._server = None
            for writer in list(self._writers):
                writer.transport.abort()
            if self._reserved is None:
                self._reserved = self._bind(self.port)
        self._call(stop())

    def close(self) -> None:
        self.down()
        if self._reserved is not None:
            self._reserved.close()
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        target = self.targets[self._turn % len(self.targets)]
        self._turn += 1
        try:
            target_reader, target_writer = await asyncio.open_connection(*target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, target_writer))
        self.connections[target[1]] += 1

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                sink.transport.abort() if not sink.is_closing() else None

        await asyncio.gather(copy(reader, target_writer), copy(target_reader, writer))
        self._writers.difference_update((writer, target_writer))


class _HeldReader:
    """A client's side of a proxied connection whose data waits while the proxy holds."""

    def __init__(self, reader: asyncio.StreamReader, proxy: HoldingProxy) -> None:
        self._reader, self._proxy = reader, proxy

    async def read(self, size: int) -> bytes:
        data = await self._reader.read(size)
        if data and not self._proxy.open.is_set():
            self._proxy.held += 1
            await self._proxy.open.wait()
        return data


class HoldingProxy(TcpProxy):
    """A TcpProxy that can hold requests: while held, what clients send waits in the proxy
    (connections stay open, kept-alive ones too) until `release()`."""

    def __init__(self, *target_ports: int) -> None:
        super().__init__(*target_ports)
        self.open = asyncio.Event()  # bound to the proxy's loop when first awaited there
        self.open.set()
        self.held = 0  # requests held since `hold()`

    def hold(self) -> None:
        self.held = 0
        self._loop.call_soon_threadsafe(self.open.clear)

    def release(self) -> None:
        self._loop.call_soon_threadsafe(self.open.set)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await super()._pipe(_HeldReader(reader, self), writer)
