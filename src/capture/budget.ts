// The time a capture gives the service: `timeoutSeconds` of waiting on the service, not of our own
// work in between. A capture in 'auto' format decodes the count profile (in the analysis pool's
// worker thread) before it asks for the full dump; the first decode of a process also starts that
// thread, which takes seconds on a busy machine. Charging that to the service made a healthy
// service "not deliver within 3 s" and failed the capture.

/** An abortable deadline that can be paused while we work locally.
 *  `signal` aborts (reason: a TimeoutError DOMException) once `ms` of unpaused time has passed;
 *  `deadline` is the Date.now() by which it will, given no further pause. Call dispose() when done. */
export class ServiceTimeBudget {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** Date.now() by which the service must have answered (moves later by the time spent paused). */
  deadline: number;

  constructor(ms: number) {
    this.deadline = Date.now() + ms;
    this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Runs local work (decoding) with the clock stopped; the deadline moves by the time it took. */
  async paused<T>(work: () => Promise<T> | T): Promise<T> {
    if (this.controller.signal.aborted) return work();
    clearTimeout(this.timer);
    const from = Date.now();
    try {
      return await work();
    } finally {
      this.deadline += Date.now() - from;
      this.arm();
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(new DOMException('The service time budget ran out', 'TimeoutError')), Math.max(0, this.deadline - Date.now()));
    this.timer.unref();
  }
}
