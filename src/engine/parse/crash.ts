// The preamble Go prints before the goroutines of a crash, a fatal error, a signal dump or a test
// timeout — the only place that says why the process stopped:
//
//   panic: runtime error: invalid memory address or nil pointer dereference      (runtime/panic.go printpanics)
//   [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x64ce26]       (runtime/panic.go dopanic_m)
//   fatal error: all goroutines are asleep - deadlock!                           (runtime/panic.go fatalthrow)
//   SIGQUIT: quit                                                                (runtime/signal_unix.go sighandler)
//   PC=0x460001 m=0 sigcode=0
//   panic: test timed out after 3s                                               (testing.(*M).startAlarm)
//   	running tests:
//   		TestDrain (3s)
//
// Fed the lines outside goroutine blocks (leading blanks removed); keeps the first preamble of the
// dump, and the goroutine Go prints first after a panic when it is the `[running]` one that panicked.
import type { Crash, Frame } from '../model.js';

const RECOVERED = / \[recovered(?:, repanicked)?\]$/;
const PANIC = /^panic: (.*)$/;
const FATAL = /^fatal error: (.*)$/;
const SIGNAL_DUMP = /^(SIG[A-Z0-9]+): (.+)$/;
const SIGNAL_NOTE = /^\[signal (SIG[A-Z0-9]+)\b/;
const TIMEOUT = /^test timed out after (\S+)/;
const RUNNING_TEST = /^(\S+) \(([^)]*)\)$/;
/** Go prints a panic value verbatim; a message longer than this is cut (a paste may hold anything). */
const MAX_MESSAGE = 500;
const MAX_TESTS = 50;

/** Reads a crash preamble line by line; `crash` is null until one is seen. Never throws. */
export class CrashPreamble {
  crash: Crash | null = null;
  /** Inside `running tests:`: the following lines name the tests until a blank line. */
  private inTests = false;
  /** The preamble was read and no goroutine header has followed yet. */
  private awaitingFirst = false;
  /** Right after a `panic:` line: Go prints a multi-line panic value verbatim, so until a blank line
   *  the lines that follow continue the message. */
  private inMessage = false;

  /** One line outside a goroutine block, leading and trailing blanks removed. True when it was part of
   *  a preamble. */
  line(text: string): boolean {
    if (this.inTests) {
      const m = RUNNING_TEST.exec(text);
      if (m && this.crash) {
        const tests = (this.crash.tests ??= []);
        if (tests.length < MAX_TESTS) tests.push(m[1]!);
        return true;
      }
      this.inTests = false;
    }
    if (text === 'running tests:' && this.crash?.kind === 'test-timeout') {
      this.inTests = true;
      this.inMessage = false;
      return true;
    }
    const c = text.charCodeAt(0);
    if (c === 112 /* p */) {
      const m = PANIC.exec(text);
      if (!m) return this.continued(text);
      const message = m[1]!.replace(RECOVERED, '').slice(0, MAX_MESSAGE);
      this.inMessage = true;
      // A panic while panicking (`[recovered]` then an indented `panic:`): the last one stopped the process.
      if (this.crash?.kind === 'panic' || this.crash?.kind === 'test-timeout') {
        if (this.awaitingFirst) this.crash.message = `${this.crash.message} → ${message}`.slice(0, MAX_MESSAGE);
        return true;
      }
      if (this.crash) return false;
      this.crash = { kind: TIMEOUT.test(message) ? 'test-timeout' : 'panic', message, signal: null, goroutineId: null };
      this.awaitingFirst = true;
      return true;
    }
    if (c === 102 /* f */) {
      const m = FATAL.exec(text);
      if (!m) return this.continued(text);
      this.inMessage = false;
      // `fatal error: fault` after `unexpected fault address`, or a throw during a panic: keep Go's words.
      if (this.crash && !this.awaitingFirst) return false;
      if (this.crash?.kind === 'fatal') return true;
      const after = this.crash ? ` (while panicking: ${this.crash.message})` : '';
      this.crash = { kind: 'fatal', message: (m[1]! + after).slice(0, MAX_MESSAGE), signal: this.crash?.signal ?? null, goroutineId: null };
      this.awaitingFirst = true;
      return true;
    }
    if (c === 91 /* [ */) {
      const m = SIGNAL_NOTE.exec(text);
      if (!m || !this.crash || !this.awaitingFirst) return this.continued(text);
      this.crash.signal = m[1]!;
      this.inMessage = false;
      return true;
    }
    if (c === 83 /* S */) {
      const m = SIGNAL_DUMP.exec(text);
      if (!m || this.crash) return this.continued(text);
      this.crash = { kind: 'signal', message: text.slice(0, MAX_MESSAGE), signal: m[1]!, goroutineId: null };
      this.awaitingFirst = true;
      return true;
    }
    return this.continued(text);
  }

  /** A line of a multi-line panic value. */
  private continued(text: string): boolean {
    if (!this.inMessage || !this.crash) return false;
    this.crash.message = `${this.crash.message}\n${text.replace(RECOVERED, '')}`.slice(0, MAX_MESSAGE);
    return true;
  }

  /** A preamble was read and no goroutine has followed it yet. */
  get pending(): boolean {
    return this.awaitingFirst;
  }

  /** The stack of the goroutine that panicked: where it stopped is its first frame outside the
   *  runtime (`panic`, runtime.throw, internal/runtime/maps.fatal… say only that it stopped). */
  stack(frames: readonly Frame[]): void {
    if (!this.crash || this.crash.at !== undefined) return;
    const f = frames.find((x) => x.func !== 'panic' && !x.func.startsWith('runtime.') && !x.func.startsWith('internal/runtime/'));
    if (f) this.crash.at = f;
  }

  /** A blank line outside a goroutine block. */
  blank(): void {
    this.inTests = false;
    this.inMessage = false;
  }

  /** A goroutine header: the first one after a panic is the goroutine that panicked when Go printed it
   *  `[running]` (a deadlock, a signal dump or a test timeout names no such goroutine of the program's). */
  header(id: number, state: string): void {
    if (!this.awaitingFirst) return;
    this.awaitingFirst = false;
    this.inTests = false;
    this.inMessage = false;
    const k = this.crash!.kind;
    // A test timeout's `[running]` goroutine is the testing package's alarm, not the test.
    if ((k === 'panic' || k === 'fatal') && state === 'running') this.crash!.goroutineId = id;
  }
}
