// The "similar works" of a work: what GET /v1/works:similar answers for
// each of the work's ISCC codes, merged into one list.

/**
 * mergeSimilar joins the matches of several searches (one per code of the
 * work named self), leaving out the work itself and keeping each other
 * work once, at its smallest distance; nearest first, then by name. A
 * match is marked when its licence differs from the work's.
 */
export function mergeSimilar(self, responses) {
  const best = new Map();
  for (const r of responses) {
    for (const m of r?.matches || []) {
      const name = m.work?.name;
      if (!name || name === self) continue;
      const distance = m.distance || 0;
      const seen = best.get(name);
      if (!seen || distance < seen.distance) best.set(name, { ...m, distance, licenceDiffers: Boolean(m.licenceDiffers) });
    }
  }
  return [...best.values()].sort((a, b) => a.distance - b.distance || a.work.name.localeCompare(b.work.name));
}
