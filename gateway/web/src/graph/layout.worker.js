// The layout worker: dagre off the main thread.
import { layout } from './layout.js';

self.onmessage = (e) => {
  const { id, graph } = e.data;
  const t0 = performance.now();
  try {
    const result = layout(graph);
    self.postMessage({ id, ...result, ms: performance.now() - t0 });
  } catch (err) {
    self.postMessage({ id, error: String(err?.message || err) });
  }
};
