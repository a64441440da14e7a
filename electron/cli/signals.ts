/**
 * SIGTERM and SIGHUP for commands that pass them on (`latchkey run` forwards them to its child).
 * A listener is installed only while someone subscribes, so every other command keeps Node's
 * default (the signal ends the process).
 */
import type { ForwardedSignal, SignalSource } from './spec.js';

const FORWARDED: readonly ForwardedSignal[] = ['SIGTERM', 'SIGHUP'];

export function createProcessSignals(proc: NodeJS.Process): SignalSource {
  return {
    onSignal(handler) {
      const listeners = FORWARDED.map((signal) => {
        const listener = (): void => handler(signal);
        proc.on(signal, listener);
        return [signal, listener] as const;
      });
      return () => {
        for (const [signal, listener] of listeners) proc.off(signal, listener);
      };
    },
  };
}
