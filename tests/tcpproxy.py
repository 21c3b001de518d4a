"""A loopback TCP proxy for fault tests: put it in front of a server, then switch it between
passing bytes through, hanging (connections are accepted, nothing is forwarded either way: a
database that froze) and refusing (every connection, old and new, is reset).

Pure Python and threads; everything it starts ends when it is closed or when its lifetime is up,
whichever comes first, so a test that forgets it can't leave it running.
"""

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Literal

Mode = Literal["pass", "hang", "refuse"]
POLL_SECONDS = 0.02  # how soon a pump notices a mode switch or the end


class TcpProxy:
    def __init__(self, target: tuple[str, int], *, lifetime: float = 60.0) -> None:
        self.target = target
        self.mode: Mode = "pass"
        self._passing = threading.Event()
        self._passing.set()
        self._ends = time.monotonic() + lifetime
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(POLL_SECONDS)
        self.port: int = self._listener.getsockname()[1]

    def __enter__(self) -> "TcpProxy":
        self._start(self._accept_loop)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def switch(self, mode: Mode) -> None:
        self.mode = mode
        if mode == "pass":
            self._passing.set()
            return
        self._passing.clear()
        if mode == "refuse":
            with self._lock:
                doomed = list(self._sockets)
            for sock in doomed:
                _reset(sock)

    def close(self) -> None:
        self._closed.set()
        self._passing.set()  # wake the pumps so they see the end
        self._listener.close()
        with self._lock:
            doomed = list(self._sockets)
        for sock in doomed:
            _reset(sock)
        for thread in self._threads:
            thread.join(timeout=2)

    @property
    def _running(self) -> bool:
        return not self._closed.is_set() and time.monotonic() < self._ends

    def _start(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="tcpproxy")
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while self._running:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            if self.mode == "refuse":
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=1)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            self._start(self._pump, client, upstream)
            self._start(self._pump, upstream, client)
        self.close_connections()

    def close_connections(self) -> None:
        with self._lock:
            doomed, self._sockets = list(self._sockets), set()
        for sock in doomed:
            _reset(sock)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while self._running:
                if not self._passing.wait(POLL_SECONDS) or self._closed.is_set():
                    continue  # hanging: leave the bytes where they are
                readable, _, _ = select.select([source], [], [], POLL_SECONDS)
                if not readable or not self._passing.is_set():
                    continue
                data = source.recv(65536)
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    return
                sink.sendall(data)
        except (OSError, ValueError):
            pass  # the other side, or close(), ended it
        finally:
            _reset(source)


def _reset(sock: socket.socket) -> None:
    """Close with an RST, as a refusing or crashed server would, not a polite FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
