"""A correct stage 1 batcher on queue.Queue: the worker blocks in get(timeout=1.0) and checks a stop flag
when the queue stays empty (a common shutdown idiom). Every request accepted before close() is
served; close() returns once the worker has ended, up to ~1 s later. The contract puts no bound
on close()'s latency; the suite measures the 200 sequential requests without it."""
import queue
import threading


class _Request:
    def __init__(self, x):
        self.x = x
        self.done = threading.Event()
        self.output = None
        self.error = None


class Batcher:
    def __init__(self, model, *, max_batch_size=100):
        if not callable(model):
            raise TypeError("model must be callable")
        if isinstance(max_batch_size, bool) or not isinstance(max_batch_size, int):
            raise TypeError("max_batch_size must be an int")
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be >= 1")
        self._model = model
        self._size = max_batch_size
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._serve, daemon=True)
        self._worker.start()

    @property
    def pending(self):
        return self._queue.qsize()

    def infer(self, x):
        with self._lock:
            if self._closed:
                raise RuntimeError("closed")
            request = _Request(x)
            self._queue.put(request)
        request.done.wait()
        if request.error is not None:
            raise request.error
        return request.output

    def close(self):
        with self._lock:
            self._closed = True
        self._stop.set()
        if threading.current_thread() is not self._worker:
            self._worker.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _serve(self):
        while True:
            try:
                first = self._queue.get(timeout=1.0)
            except queue.Empty:
                if self._stop.is_set():
                    return
                continue
            batch = [first]
            while len(batch) < self._size:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                outputs = self._model([r.x for r in batch])
                try:
                    n = len(outputs)
                except Exception as error:
                    raise RuntimeError("no len()") from error
                if n != len(batch):
                    raise RuntimeError(f"{n} outputs for {len(batch)} inputs")
                outputs = list(outputs)
            except Exception as error:  # noqa: BLE001
                for r in batch:
                    r.error = error
                    r.done.set()
                continue
            for r, out in zip(batch, outputs):
                r.output = out
                r.done.set()
