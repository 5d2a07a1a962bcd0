/**
 * Whether the broker's storage can currently be written (Kafka's KAFKA_STORAGE_ERROR class):
 * fed by every log append, fsync and metadata write that fails for an operating reason (a full
 * disk, a quota, an I/O error) and by the next one that succeeds, which clears the fault — so a
 * disk that gets space back heals without a restart. Readiness, metrics and the produce answers
 * read it. Single-threaded; listeners run synchronously on each change of state.
 */
export interface StorageFault {
  /** What failed: 'append', 'flush', 'create log', 'metadata write', ... */
  operation: string;
  /** The errno code (ENOSPC, EDQUOT, EIO, ...) or 'UNKNOWN'. */
  code: string;
  message: string;
  sinceMs: number;
}

/** errno codes that mean "the storage cannot take this write now", not "the request is bad". */
const STORAGE_ERRNO_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG', 'ENOMEM', 'EMFILE', 'ENFILE']);

/** The errno code if `error` is a storage (disk) failure, else undefined. */
export function storageErrnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && STORAGE_ERRNO_CODES.has(code) ? code : undefined;
}

/**
 * "ENOSPC: no space left on device" from node's "ENOSPC: no space left on device, open '/x/y'":
 * what went wrong, without the internal path (answers never show paths).
 */
export function describeStorageError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && message.startsWith(`${code}: `)) return message.split(', ')[0];
  return message.split('\n')[0];
}

export class StorageHealth {
  private errors = 0;
  private current: StorageFault | undefined;
  private readonly listeners: Array<(fault: StorageFault | undefined) => void> = [];

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** Storage failures since start (metrics: runnel_storage_errors_total). */
  get errorsTotal(): number {
    return this.errors;
  }

  get healthy(): boolean {
    return this.current === undefined;
  }

  /** The failure that made storage unhealthy (the first of a run of failures), if it is. */
  get fault(): StorageFault | undefined {
    return this.current;
  }

  failed(operation: string, error: unknown): void {
    this.errors++;
    if (this.current) return;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    this.current = {
      operation,
      code: typeof code === 'string' ? code : 'UNKNOWN',
      message: describeStorageError(error),
      sinceMs: this.nowMs(),
    };
    for (const listener of this.listeners) listener(this.current);
  }

  succeeded(): void {
    if (!this.current) return;
    this.current = undefined;
    for (const listener of this.listeners) listener(undefined);
  }

  onChange(listener: (fault: StorageFault | undefined) => void): void {
    this.listeners.push(listener);
  }
}
