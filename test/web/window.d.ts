/** What the demo page publishes on window (see web/src/main.ts). */
export {};

declare global {
  interface Window {
    ranfer: {
      state: string;
      fps: number;
      faces: Array<{ emotion: string; box: { x: number; y: number } }>;
      timings: { decodeMs?: number; detectMs?: number; alignMs?: number; classifyMs?: number };
    };
  }
}
