// Licences in time, as the explorer shows them: a work's licence timeline,
// the alerts its owner gets from upstream relicensings, and the date a
// family tree is drawn "as of". Pure (no DOM, no requests), so that the unit
// tests exercise it directly.

const ms = (ts) => (ts ? Date.parse(ts) : NaN);

/**
 * licenceTimeline marks each entry of a work's licence history (as
 * ListLicenceChanges lists it: the registration's licence first, then by
 * effective time) as 'in-force' (the last entry in effect at now),
 * 'superseded' or 'scheduled' (its effective time is still to come). The
 * registration's licence holds from the start of the record, whatever its
 * effective time (the registration time) says.
 */
export function licenceTimeline(changes, now = Date.now()) {
  const list = (changes || []).map((c, i) => ({
    ...c,
    registration: i === 0,
    scheduled: i > 0 && ms(c.effectiveTime) > now,
  }));
  let current = -1;
  list.forEach((c, i) => { if (!c.scheduled) current = i; });
  return list.map((c, i) => ({ ...c, state: c.scheduled ? 'scheduled' : i === current ? 'in-force' : 'superseded' }));
}

/**
 * upstreamAlerts turns the licence-change events of a work's ancestry into
 * alerts, one per change (events seen twice, by id, count once), in
 * effective-time order. Each alert lists the derivations in the ancestry
 * that took the changed work's material (derivations: those whose source
 * is the changed work and whose derivative is in `ancestry`, the work
 * included), each with whether the change reached it: a change in effect
 * at the derivation's source time (its create time when none was given)
 * binds that derivative; one that took effect later does not, the material
 * keeping the terms it was taken under. `affects` sums them up: 'yes',
 * 'no', 'partly', or 'unknown' when no such derivation is known.
 */
export function upstreamAlerts({ root, events, ancestry, derivations }) {
  const seen = new Set();
  const alerts = [];
  for (const e of events || []) {
    const c = e?.licenceChange;
    if (!c?.work || c.work === root || seen.has(e.id)) continue;
    seen.add(e.id);
    const edges = (derivations || [])
      .filter((d) => d.source === c.work && ancestry.has(d.derivative))
      .map((d) => {
        const taken = d.sourceTime || d.createTime;
        return { derivation: d.name, derivative: d.derivative, taken, affected: ms(c.effectiveTime) <= ms(taken) };
      });
    const hit = edges.filter((x) => x.affected).length;
    alerts.push({
      id: e.id,
      sequence: Number(e.sequence) || 0,
      work: c.work,
      from: c.previousLicence || '',
      to: c.licence || '',
      effectiveTime: c.effectiveTime,
      actor: c.actor || '',
      note: c.note || '',
      edges,
      affects: !edges.length ? 'unknown' : hit === edges.length ? 'yes' : hit ? 'partly' : 'no',
    });
  }
  return alerts.sort((a, b) => ms(a.effectiveTime) - ms(b.effectiveTime) || a.sequence - b.sequence);
}

/**
 * asOfTime turns the tree's date (YYYY-MM-DD) into the time the tree is
 * drawn at: the end of that day, UTC, so that a change effective on the
 * day counts. '' for anything that is not a date.
 */
export function asOfTime(date) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date || '')) return '';
  const t = `${date}T23:59:59Z`;
  return Number.isNaN(Date.parse(t)) || new Date(t).toISOString().slice(0, 10) !== date ? '' : t;
}

/**
 * takenAfter says whether a derivation was not yet made at time t: its
 * source time (when the material was taken; its create time when none was
 * given) is after t. A derivation without either time is kept.
 */
export function takenAfter(d, t) {
  const taken = ms(d?.sourceTime || d?.createTime);
  return !Number.isNaN(taken) && taken > ms(t);
}
