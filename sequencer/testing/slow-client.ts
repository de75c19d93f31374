/** A deliberately slow HTTP client (a slowloris) for tests of the servers' limits; it always ends. */
import { connect } from "node:net";

/**
 * A client that sends `head` at once, then `tail` one character every `everyMs`; resolves with what
 * it read once the connection closes, and whether the server cut it before it was done.
 */
export function slowClient(port: number, head: string, tail: string, everyMs: number): Promise<{ reply: string; cutEarly: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(head));
    let reply = "";
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < tail.length) socket.write(tail[sent++]!);
      else socket.end(); // done: a bound on the test, whatever the server does
    }, everyMs);
    socket.on("data", (b) => (reply += b.toString()));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ reply, cutEarly: sent < tail.length });
    });
  });
}
