/** Reads a streamed response body line by line: `onLine` gets each line without its `\n` or `\r\n`, the last one even when unterminated. */
export async function readBodyLines(body: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffered += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        onLine(buffered.slice(0, newline).replace(/\r$/, ''));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
      if (done) break;
    }
  } finally {
    reader.releaseLock();
  }
  if (buffered !== '') onLine(buffered.replace(/\r$/, ''));
}
