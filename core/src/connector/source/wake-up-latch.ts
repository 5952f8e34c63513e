/**
 * A sticky wake-up flag for {@link SplitReader} authors: `wakeUp()` sets it and fires whoever
 * waits; the next wait that sees it consumes it. Sticky, because the loop may call `wakeUp()`
 * just before or just after a fetch starts waiting; a flag cannot miss that, at worst it ends
 * the following fetch early (an empty fetch, which is harmless).
 *
 * ```ts
 * wakeUp() { this.latch.wakeUp(); }
 * async fetch() {
 *   const r = await this.latch.race(this.client.poll());   // or: await this.latch.sleep(200)
 *   return r.woken ? RecordsBySplits.empty() : toRecords(r.value);
 * }
 * ```
 */
export class WakeUpLatch {
  private woken = false;
  private waiters: (() => void)[] = [];

  /** Sets the flag and releases every current waiter. Safe to call at any time, never throws. */
  wakeUp(): void {
    this.woken = true;
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Returns whether a wake-up is pending, and clears it. */
  consume(): boolean {
    const woken = this.woken;
    this.woken = false;
    return woken;
  }

  /** Waits `ms`; resolves `true` (consuming the flag) as soon as a wake-up comes, else `false`. */
  sleep(ms: number): Promise<boolean> {
    if (this.consume()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onWake = () => {
        clearTimeout(timer);
        this.woken = false;
        resolve(true);
      };
      timer = setTimeout(() => {
        this.remove(onWake);
        resolve(false);
      }, ms);
      this.waiters.push(onWake);
    });
  }

  /**
   * Waits for `work` or a wake-up, whichever comes first (consuming the flag when woken). When
   * woken, `work` keeps running and its result is dropped (its rejection is handled here, never
   * unhandled): use it only for reads whose result may be discarded and asked for again, i.e. the
   * client's position did not move (Kinesis `GetRecords` with the same iterator, a file read at
   * a known offset), or for plain waits ("data arrived" notifications).
   */
  race<R>(work: Promise<R>): Promise<{ woken: true } | { woken: false; value: R }> {
    if (this.consume()) {
      work.catch(() => {});
      return Promise.resolve({ woken: true });
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      const onWake = () => {
        if (settled) return;
        settled = true;
        this.woken = false;
        resolve({ woken: true });
      };
      this.waiters.push(onWake);
      work.then(
        (value) => {
          this.remove(onWake);
          if (settled) return;
          settled = true;
          resolve({ woken: false, value });
        },
        (error: unknown) => {
          this.remove(onWake);
          if (settled) return;
          settled = true;
          reject(error);
        },
      );
    });
  }

  private remove(waiter: () => void): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
  }
}
