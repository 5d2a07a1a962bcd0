import { PassThrough, Readable } from 'node:stream';
import { RunnelError, badRequest } from '../common/errors';
import { MAX_JSON_DEPTH } from '../http/json-depth';
import { parseRecordText } from '../common/raw-json';
import { Delivery, errorOf, isSettled, loneRecordStatus, refused } from './delivery';
import { JsonObjectSplitter } from './json-stream-splitter';

/**
 * One `POST .../records` body, read as a stream of JSON records (concatenated JSON, as Confluent's
 * spec says, or NDJSON), answered with one delivery report per record, in order.
 *
 * The answer's form, as Confluent's proxy answers it:
 *   - a complete body (its Content-Length all read) holding one record, and no
 *     `Accept: application/x-ndjson` → one plain JSON report, HTTP 200 whatever the record's fate
 *     (its error is in the report's error_code), except a body that is not JSON (400 / 400) and
 *     a retriable failure (500 / 50003, 429 / 42901: loneRecordStatus);
 *   - otherwise — a second record arrived, or a record arrived while the body is still open
 *     (chunked: a client that writes a record and waits for its report), or the client asked for
 *     NDJSON → HTTP 200, one report per line, each written as soon as it and every report before
 *     it are settled — records are submitted as they are read, without waiting for the end of
 *     the body;
 *   - an empty body → 422 (Confluent: "Request body is empty. Data is required.").
 * A record that cannot be used (bad JSON, not an object, bad field, too large) gets its own
 * error report and the stream goes on with the records after it (json-stream-splitter.ts says
 * how a bad line is skipped).
 *
 * Back-pressure: reading pauses while `maxPending` reports are unwritten, and writing waits for
 * the response to drain, so a fast client cannot queue unbounded work.
 */
export type StreamAnswer = { kind: 'single'; status: number; body: string } | { kind: 'stream'; output: Readable; finished: Promise<void> };

export interface RecordStreamOptions {
  /** Parses and submits one record (never throws: refusals are deliveries with an error). */
  submit(input: unknown): Delivery;
  /** The report text of a settled delivery (no newline). */
  report(delivery: Delivery): string;
  maxObjectBytes: number;
  /** Answer NDJSON even for one record (the client sent `Accept: application/x-ndjson`). */
  forceStream: boolean;
  /** The request's Content-Length; undefined when chunked (the body's end is then only known when it comes). */
  contentLength?: number;
  /** The body is NDJSON: a newline ends every record, even an unbalanced one. */
  lines?: boolean;
  maxPending?: number;
  /** Receives every byte of a streamed answer (idempotency); called before it is written. */
  capture?: (text: string) => void;
  /** Awaited after the last report is written and before the answer ends (idempotency). */
  beforeEnd?: () => Promise<void>;
}

export function runRecordStream(source: Readable, options: RecordStreamOptions): Promise<StreamAnswer> {
  return new RecordStream(source, options).start();
}

class RecordStream {
  private readonly splitter: JsonObjectSplitter;
  private readonly maxPending: number;
  private entries: Delivery[] = [];
  private head = 0;
  private ended = false;
  private received = 0;
  private output: PassThrough | null = null;
  private wakeWriter: (() => void) | null = null;
  private wakeReader: (() => void) | null = null;
  private decide!: (answer: StreamAnswer) => void;
  private closed = false;

  private readonly sink = {
    object: (text: string, depth: number): void => {
      if (depth > MAX_JSON_DEPTH) {
        this.entries.push(refused(badRequest(`Invalid JSON record: nested deeper than ${MAX_JSON_DEPTH} levels`), true));
        return;
      }
      let input: unknown;
      try {
        input = parseRecordText(text);
      } catch {
        this.entries.push(refused(badRequest(`Malformed JSON record: ${clip(text)}`), true));
        return;
      }
      this.entries.push(this.options.submit(input));
    },
    tooLarge: (bytes: number): void => {
      // Confluent's words and code for its own per-record bound (produce.request.size.limit).
      const message = `Produce request size is larger than allowed threshold: a record of ${bytes} bytes of JSON, the limit is ${this.options.maxObjectBytes}`;
      this.entries.push(refused(new RunnelError('MALFORMED_REQUEST', message)));
    },
    junk: (message: string): void => {
      this.entries.push(refused(badRequest(message), true));
    },
  };

  constructor(
    private readonly source: Readable,
    private readonly options: RecordStreamOptions,
  ) {
    this.splitter = new JsonObjectSplitter(options.maxObjectBytes, options.lines ?? false);
    this.maxPending = options.maxPending ?? 50_000;
  }

  start(): Promise<StreamAnswer> {
    const answer = new Promise<StreamAnswer>((resolve) => (this.decide = resolve));
    if (this.options.forceStream) this.beginStreaming();
    void this.read();
    return answer;
  }

  private async read(): Promise<void> {
    try {
      // destroyOnReturn false: leaving the loop early must not destroy the request (and its socket).
      for await (const chunk of this.source.iterator({ destroyOnReturn: false })) {
        this.received += (chunk as Buffer).length;
        this.splitter.push(chunk as Buffer, this.sink);
        if (this.output === null && (this.entries.length >= 2 || (this.entries.length === 1 && !this.bodyComplete()))) {
          this.beginStreaming();
        }
        this.kick();
        if (this.closed) break;
        if (this.entries.length - this.head > this.maxPending) await new Promise<void>((r) => (this.wakeReader = r));
      }
      if (!this.closed) this.splitter.end(this.sink);
    } catch {
      // The client went away mid-body: nobody is left to answer.
      this.closed = true;
    }
    this.ended = true;
    if (this.output === null) await this.answerSingle();
    else this.kick();
  }

  /** Every byte a Content-Length announced has arrived (a chunked body is complete only at its end). */
  private bodyComplete(): boolean {
    return this.options.contentLength !== undefined && this.received >= this.options.contentLength;
  }

  private async answerSingle(): Promise<void> {
    const count = this.entries.length;
    if (count >= 2) {
      this.beginStreaming();
      this.kick();
      return;
    }
    const error =
      count === 0
        ? this.closed
          ? badRequest('The request body ended early')
          : new RunnelError('UNPROCESSABLE', 'Request body is empty. Data is required.')
        : null;
    if (error !== null) {
      this.decide({ kind: 'single', status: error.status, body: JSON.stringify(error.toBody()) });
      return;
    }
    const delivery = this.entries[0];
    if (!isSettled(delivery)) await delivery.batch!.done;
    const status = delivery.malformed ? 400 : loneRecordStatus(errorOf(delivery));
    this.decide({ kind: 'single', status, body: this.options.report(delivery) });
  }

  private beginStreaming(): void {
    const output = new PassThrough();
    this.output = output;
    output.on('close', () => {
      this.closed = true;
      this.wakeReader?.();
      this.kick();
    });
    const finished = this.writeReports(output);
    this.decide({ kind: 'stream', output, finished });
  }

  private kick(): void {
    const wake = this.wakeWriter;
    this.wakeWriter = null;
    wake?.();
  }

  /** Writes reports in order as they settle; ends after the last one. */
  private async writeReports(output: PassThrough): Promise<void> {
    const capture = this.options.capture;
    for (;;) {
      if (this.closed) return;
      if (this.head < this.entries.length) {
        const first = this.entries[this.head];
        if (!isSettled(first)) await first.batch!.done;
        let text = '';
        while (this.head < this.entries.length && isSettled(this.entries[this.head])) {
          text += this.options.report(this.entries[this.head++]) + '\n';
        }
        this.compact();
        capture?.(text);
        if (!output.write(text)) await drained(output);
        continue;
      }
      if (this.ended) {
        await this.options.beforeEnd?.();
        output.end();
        return;
      }
      await new Promise<void>((r) => (this.wakeWriter = r));
    }
  }

  private compact(): void {
    if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (this.wakeReader !== null && this.entries.length - this.head <= this.maxPending / 2) {
      const wake = this.wakeReader;
      this.wakeReader = null;
      wake();
    }
  }
}

function drained(output: PassThrough): Promise<void> {
  if (output.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      output.off('drain', done);
      output.off('close', done);
      resolve();
    };
    output.on('drain', done);
    output.on('close', done);
  });
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}
