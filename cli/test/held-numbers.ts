/**
 * Numbers 0…count-1 from a generator that then waits until `release()`: a job that keeps running
 * (with its records read) while a test looks at it.
 */
export function heldNumbers(count: number): { numbers: () => AsyncGenerator<number>; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  async function* numbers() {
    for (let i = 0; i < count; i++) yield i;
    await released;
  }
  return { numbers, release };
}
