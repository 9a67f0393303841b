/** A one-line progress counter on a TTY; silent elsewhere so logs and pipes stay clean. */
export function progressReporter(stream: { write(text: string): unknown }, isTTY: boolean, label: string) {
  let last = 0;
  return {
    update(done: number, total: number): void {
      if (!isTTY) return;
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      stream.write(`\r${label} ${done}/${total}`);
      if (done === total) stream.write('\r\x1b[K');
    },
  };
}
